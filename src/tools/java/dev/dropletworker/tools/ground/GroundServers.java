package dev.dropletworker.tools.ground;

import dev.dropletworker.simulator.DigitalOceanSimulator;
import dev.dropletworker.simulator.SimulatorConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The three servers the worker needs, started together for the tests and for the local run. */
public final class GroundServers implements AutoCloseable {

    /** A token the simulator accepts; shaped so no scanner mistakes it for a real DigitalOcean token. */
    public static final String SIMULATOR_TOKEN = "dop_v1_simulator-test-token";

    public final KafkaBroker kafka;
    public final PostgresServer postgres;
    public final DigitalOceanSimulator simulator;

    private GroundServers(KafkaBroker kafka, PostgresServer postgres, DigitalOceanSimulator simulator) {
        this.kafka = kafka;
        this.postgres = postgres;
        this.simulator = simulator;
    }

    /**
     * The environment a packaged worker needs to run on these servers, as a pod gets it; a
     * mutable copy, for the caller's own settings on top.
     */
    public Map<String, String> workerEnvironment(String digitalOceanToken) {
        return new HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl(),
                "QUARKUS_DATASOURCE_USERNAME", postgres.username(),
                "QUARKUS_DATASOURCE_PASSWORD", postgres.password(),
                "DIGITALOCEAN_API_URL", simulator.baseUrl(),
                "DIGITALOCEAN_TOKEN", digitalOceanToken));
    }

    public static GroundServers start(SimulatorConfig simulatorConfig) {
        // Kafka and PostgreSQL take about 3 s each and do not depend on each other.
        ExecutorService starter = Executors.newFixedThreadPool(2, runnable -> new Thread(runnable, "test-ground-start"));
        try {
            Future<KafkaBroker> kafkaStart = starter.submit(KafkaBroker::start);
            Future<PostgresServer> postgresStart = starter.submit(PostgresServer::start);
            List<Throwable> failures = new ArrayList<>();
            DigitalOceanSimulator simulator = null;
            try {
                simulator = DigitalOceanSimulator.start(simulatorConfig);
            } catch (RuntimeException e) {
                failures.add(e);
            }
            GroundServers servers = new GroundServers(outcome(kafkaStart, failures), outcome(postgresStart, failures), simulator);
            if (!failures.isEmpty()) {
                servers.close();
                IllegalStateException failure = new IllegalStateException("Test ground did not start", failures.get(0));
                failures.stream().skip(1).forEach(failure::addSuppressed);
                throw failure;
            }
            return servers;
        } finally {
            starter.shutdown();
        }
    }

    private static <T> T outcome(Future<T> start, List<Throwable> failures) {
        try {
            return start.get();
        } catch (ExecutionException e) {
            failures.add(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add(e);
        }
        return null;
    }

    /** Stops the simulator first, then Kafka, then PostgreSQL; each one even if another fails. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (AutoCloseable server : new AutoCloseable[] {simulator, kafka, postgres}) {
            if (server == null) {
                continue;
            }
            try {
                server.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("Test ground did not stop cleanly", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
