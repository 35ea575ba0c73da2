package dev.dropletworker.testsupport;

import dev.dropletworker.simulator.DigitalOceanSimulator;
import dev.dropletworker.simulator.SimulatorConfig;
import dev.dropletworker.tools.ground.GroundServers;
import dev.dropletworker.tools.ground.KafkaBroker;
import dev.dropletworker.tools.ground.PostgresServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
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

    /**
     * Account {@code team-c}: a second token the simulator accepts, with its own rate budget, for
     * tests that treat one account differently from the other (pausing it, say).
     */
    public static final String SECOND_ACCOUNT = "team-c";
    public static final String SECOND_TOKEN = "dop_v1_simulator-second-token";

    /** Config key naming the file with the private key (PKCS#8, DER) that signs the tests' OIDC tokens. */
    public static final String OIDC_SIGNING_KEY_FILE = "test.oidc.signing-key-file";

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
                    .token(SECOND_TOKEN)
                    .actionDuration(ACTION_DURATION)
                    .build());
            traces = TraceCollector.start();
        }
        Map<String, String> config = new HashMap<>(oidcIssuer());
        config.putAll(Map.of(
                "kafka.bootstrap.servers", servers.kafka.bootstrapServers(),
                "quarkus.datasource.jdbc.url", servers.postgres.jdbcUrl(),
                "quarkus.datasource.username", servers.postgres.username(),
                "quarkus.datasource.password", servers.postgres.password(),
                "digitalocean.api-url", servers.simulator.baseUrl(),
                "digitalocean.token", DIGITALOCEAN_TOKEN,
                "digitalocean.accounts." + SECOND_ACCOUNT + ".token", SECOND_TOKEN,
                // Tracing on, as where a collector is configured (the packaged pods run without one).
                "quarkus.otel.exporter.otlp.traces.endpoint", traces.endpoint(),
                "quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf",
                "quarkus.otel.bsp.schedule.delay", "200ms"));
        return config;
    }

    /**
     * OIDC bearer tokens, verified with a key pair made for this run: the worker gets the public key
     * (no identity provider to reach), the tests sign tokens with the private key, which they find
     * in the file named by {@link #OIDC_SIGNING_KEY_FILE}.
     */
    private static Map<String, String> oidcIssuer() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            Path privateKey = Files.createTempFile("oidc-test-signing-key", ".der");
            privateKey.toFile().deleteOnExit();
            Files.write(privateKey, pair.getPrivate().getEncoded());
            return Map.of(
                    "quarkus.oidc.tenant-enabled", "true",
                    "quarkus.oidc.public-key", Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()),
                    OIDC_SIGNING_KEY_FILE, privateKey.toString());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("could not make the OIDC test key pair", e);
        }
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
