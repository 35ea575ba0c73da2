package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropletworker.simulator.DigitalOceanSimulator;
import dev.dropletworker.simulator.SimulatorConfig;
import dev.dropletworker.testsupport.CommandBus;
import dev.dropletworker.testsupport.KafkaBroker;
import dev.dropletworker.testsupport.PostgresServer;
import dev.dropletworker.testsupport.SimulatorAdmin;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged service ({@code java -jar target/quarkus-app/quarkus-run.jar}) as an operator runs
 * it: a separate process, configured only through environment variables.
 */
class PackagedWorkerIT {

    /** Looks nothing like a real token, but is distinctive enough to find in a log. */
    private static final String TOKEN = "dop_v1_packaged-worker-it-secret";

    private static KafkaBroker kafka;
    private static PostgresServer postgres;
    private static DigitalOceanSimulator simulator;
    private static Process worker;
    private static Path log;
    private static int port;

    @BeforeAll
    static void startWorker() throws IOException {
        kafka = KafkaBroker.start();
        postgres = PostgresServer.start();
        simulator = DigitalOceanSimulator.start(SimulatorConfig.builder().port(0).token(TOKEN)
                .actionDuration(Duration.ofMillis(300)).build());
        port = freePort();
        log = Path.of("target", "packaged-worker-it.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-jar", "target/quarkus-app/quarkus-run.jar")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl());
        env.put("QUARKUS_DATASOURCE_USERNAME", postgres.username());
        env.put("QUARKUS_DATASOURCE_PASSWORD", postgres.password());
        env.put("DIGITALOCEAN_API_URL", simulator.baseUrl());
        env.put("DIGITALOCEAN_TOKEN", TOKEN);
        env.put("DIGITALOCEAN_ACCOUNTS_TEAMB_TOKEN", "dop_v1_second-account-token");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        // The most talkative setting an operator might choose: even then no token may show.
        env.put("QUARKUS_LOG_CATEGORY__DEV_DROPLETWORKER__LEVEL", "DEBUG");
        env.put("WORKER_TRACKING_FIRST_POLL", "200ms");
        env.put("WORKER_TRACKING_MIN_POLL_INTERVAL", "200ms");
        worker = builder.start();
    }

    @AfterAll
    static void stopWorker() throws InterruptedException {
        if (worker != null) {
            worker.destroy();
            worker.waitFor();
        }
        for (AutoCloseable c : new AutoCloseable[] {simulator, kafka, postgres}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // best effort
            }
        }
    }

    @Test
    void packagedWorkerBecomesReadyAndAnswersACommand() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ready = Awaitility.await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                        .build(), HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() == 200);
        JsonNode health = new ObjectMapper().readTree(ready.body());
        assertEquals("UP", health.path("status").asText());
        List<String> checks = health.path("checks").findValuesAsText("name");
        assertTrue(checks.stream().anyMatch(n -> n.contains("Reactive Messaging")), checks.toString());
        assertTrue(checks.stream().anyMatch(n -> n.toLowerCase().contains("database")), checks.toString());
        assertFalse(ready.body().contains(TOKEN));
        assertEquals("default,teamb", health.path("checks").findValues("data").stream()
                .map(d -> d.path("accounts").asText()).filter(a -> !a.isEmpty()).findFirst().orElse(""),
                "a second account configured through the environment");

        SimulatorAdmin admin = new SimulatorAdmin(simulator.baseUrl());
        long droplet = admin.seedDroplet("packaged-1");
        String commandId = CommandBus.newCommandId("packaged");
        CommandBus bus = CommandBus.on(kafka.bootstrapServers());
        bus.send(Long.toString(droplet), "{\"command_id\":\"" + commandId
                + "\",\"type\":\"droplet.action\",\"droplet_id\":" + droplet + ",\"action\":{\"type\":\"reboot\"}}");
        JsonNode event = bus.awaitEvent(commandId, Duration.ofSeconds(60));
        assertEquals("completed", event.path("data").path("outcome").asText());

        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("dropletworker_jobs_finished_total"), "job metrics are exported");
        assertTrue(metrics.contains("dropletworker_jobs_open{state=\"RECEIVED\"}"), "backlog gauges are exported");
        assertTrue(metrics.contains("dropletworker_events_unpublished"), "outbox gauge is exported");
        assertTrue(metrics.contains("dropletworker_api_requests_total"), "API request counts are exported");
        assertFalse(event.toString().contains(TOKEN));
        assertFalse(Files.readString(log).contains(TOKEN), "the token never appears in the worker's log");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
