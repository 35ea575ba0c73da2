package dev.dropletworker.testsupport;

import dev.dropletworker.simulator.DigitalOceanSimulator;
import dev.dropletworker.simulator.SimulatorConfig;
import dev.dropletworker.tools.ground.GroundServers;
import dev.dropletworker.tools.ground.KafkaBroker;
import dev.dropletworker.tools.ground.PostgresServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.time.Duration;
import java.util.Map;

/**
 * The infrastructure every Quarkus test runs against: a real Kafka broker, a real PostgreSQL and
 * the DigitalOcean simulator, started before the application and handed to it as config overrides.
 * <p>
 * The annotation below registers it for the whole test module, so test classes need nothing but
 * {@code @QuarkusTest}: see {@code package-info.java} for why this gives one start for the suite.
 * <p>
 * A test class gets the running pieces by declaring a field of type {@link KafkaBroker},
 * {@link PostgresServer}, {@link DigitalOceanSimulator} or {@link TraceCollector} (where the
 * worker's spans are exported).
 */
@QuarkusTestResource(WorkerTestGround.class)
public final class WorkerTestGround implements QuarkusTestResourceLifecycleManager {

    /** Accepted by the simulator; shaped so no scanner mistakes it for a real DigitalOcean token. */
    public static final String DIGITALOCEAN_TOKEN = GroundServers.SIMULATOR_TOKEN;

    /** Short enough for quick tests, long enough that the worker sees an action in progress. */
    public static final Duration ACTION_DURATION = Duration.ofMillis(300);

    private GroundServers servers;
    private TraceCollector traces;

    @Override
    public synchronized Map<String, String> start() {
        if (servers == null) {
            servers = GroundServers.start(SimulatorConfig.builder()
                    .port(0)
                    .token(DIGITALOCEAN_TOKEN)
                    .actionDuration(ACTION_DURATION)
                    .build());
            traces = TraceCollector.start();
        }
        return Map.of(
                "kafka.bootstrap.servers", servers.kafka.bootstrapServers(),
                "quarkus.datasource.jdbc.url", servers.postgres.jdbcUrl(),
                "quarkus.datasource.username", servers.postgres.username(),
                "quarkus.datasource.password", servers.postgres.password(),
                "digitalocean.api-url", servers.simulator.baseUrl(),
                "digitalocean.token", DIGITALOCEAN_TOKEN,
                // Tracing on, as where a collector is configured (the packaged pods run without one).
                "quarkus.otel.exporter.otlp.traces.endpoint", traces.endpoint(),
                "quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf",
                "quarkus.otel.bsp.schedule.delay", "200ms");
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(servers.kafka, new TestInjector.MatchesType(KafkaBroker.class));
        injector.injectIntoFields(servers.postgres, new TestInjector.MatchesType(PostgresServer.class));
        injector.injectIntoFields(servers.simulator, new TestInjector.MatchesType(DigitalOceanSimulator.class));
        injector.injectIntoFields(traces, new TestInjector.MatchesType(TraceCollector.class));
    }

    @Override
    public synchronized void stop() {
        if (servers != null) {
            servers.close();
            servers = null;
        }
        if (traces != null) {
            traces.close();
            traces = null;
        }
    }
}
