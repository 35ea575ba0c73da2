package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropletworker.simulator.SimulatorConfig;
import dev.dropletworker.simulator.SimulatorControl;
import dev.dropletworker.testsupport.PackagedPods;
import dev.dropletworker.tools.ground.CommandBus;
import dev.dropletworker.tools.ground.GroundServers;
import dev.dropletworker.tools.ground.WorkerProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The packaged service ({@code java -jar target/quarkus-app/quarkus-run.jar}) as operators run it:
 * separate processes ("pods") configured only through environment variables, sharing one Kafka
 * broker, one PostgreSQL and the DigitalOcean simulator.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackagedWorkerIT {

    /** Looks nothing like a real token, but is distinctive enough to find in a log. */
    private static final String TOKEN = "dop_v1_packaged-worker-it-secret";
    /** An operator API key; the pods get only its SHA-256 (below). */
    private static final String API_KEY = "packaged-it-operator-key-4f1d9c";
    private static final String API_KEY_HASH = "27ef11b90e0eab2c2d23695010b90e77332dade7065a9f1c4af21964188faed1";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static GroundServers ground;
    private static PackagedPods pods;

    @BeforeAll
    static void startGround() {
        ground = GroundServers.start(SimulatorConfig.builder().port(0).token(TOKEN)
                .actionDuration(Duration.ofMillis(300)).build());
        pods = new PackagedPods(ground, TOKEN);
    }

    @AfterAll
    static void stopAll() {
        pods.close();
        ground.close();
    }

    @Test
    @Order(1)
    void packagedWorkerBecomesReadyAndAnswersACommandWithoutEverLoggingTheTokenOrAnApiKey() throws Exception {
        WorkerProcess pod = startPod("pod-ready");
        HttpResponse<String> ready = get(pod.healthUrl("ready"));
        assertEquals(200, ready.statusCode());
        JsonNode health = MAPPER.readTree(ready.body());
        assertEquals("UP", health.path("status").asText());
        List<String> checks = health.path("checks").findValuesAsText("name");
        assertTrue(checks.stream().anyMatch(n -> n.contains("Reactive Messaging")), checks.toString());
        assertTrue(checks.stream().anyMatch(n -> n.toLowerCase().contains("database")), checks.toString());
        assertEquals("default,teamb", health.path("checks").findValues("data").stream()
                .map(d -> d.path("accounts").asText()).filter(a -> !a.isEmpty()).findFirst().orElse(""),
                "a second account configured through the environment");
        assertFalse(ready.body().contains(TOKEN));
        assertEquals(404, get(pod.url() + "/q/health/ready").statusCode(), "health is on the management port only");

        SimulatorControl admin = new SimulatorControl(ground.simulator.baseUrl());
        long droplet = admin.seedDroplet("packaged-1");
        String commandId = CommandBus.newCommandId("packaged");
        CommandBus bus = CommandBus.on(ground.kafka.bootstrapServers());
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        bus.send(Long.toString(droplet), WorkerEndToEnd.actionCommand(commandId, droplet, "reboot")
                .getBytes(StandardCharsets.UTF_8), Map.of("traceparent", traceparent));
        JsonNode event = bus.awaitEvent(commandId, Duration.ofSeconds(60));
        assertEquals("completed", event.path("data").path("outcome").asText());
        // The command's trace reaches its event. No collector is configured here, so the SDK is off:
        // nothing is exported and the DigitalOcean requests go out without trace headers.
        String eventTrace = bus.events().stream().filter(r -> commandId.equals(CommandBus.subject(r)))
                .map(r -> CommandBus.header(r, "traceparent")).findFirst().orElse("");
        assertEquals(traceparent.substring(0, 35), eventTrace.substring(0, Math.min(35, eventTrace.length())),
                "version and trace id of the command: " + eventTrace);
        assertTrue(eventTrace.endsWith("-01"), eventTrace);
        List<JsonNode> posts = admin.requestsSince(0).stream()
                .filter(r -> r.path("path").asText().equals("/v2/droplets/" + droplet + "/actions")).toList();
        assertFalse(posts.isEmpty());
        posts.forEach(r -> assertTrue(r.path("traceparent").isNull(), r.toString()));

        // Production logs are JSON lines; a job's lines carry its fields in the MDC.
        JsonNode completed = Awaitility.await().atMost(Duration.ofSeconds(10)).until(
                () -> jsonLines(pods.logs().get(0)).stream()
                        .filter(l -> commandId.equals(l.path("mdc").path("command_id").asText()))
                        .filter(l -> l.path("message").asText().contains("-> COMPLETED")).findFirst().orElse(null),
                line -> line != null);
        assertEquals("INFO", completed.path("level").asText());
        assertEquals(event.path("data").path("job_id").asText(), completed.path("mdc").path("job_id").asText());
        assertEquals(Long.toString(droplet), completed.path("mdc").path("droplet_id").asText());
        assertEquals("default", completed.path("mdc").path("account").asText());
        assertTrue(jsonLines(pods.logs().get(0)).stream()
                .filter(l -> l.path("message").asText().startsWith("POST /v2/droplets/" + droplet + "/actions ->"))
                .anyMatch(l -> commandId.equals(l.path("mdc").path("command_id").asText())),
                "lines of lower layers logged during the job's work carry its fields too");

        String metrics = get(pod.metricsUrl()).body();
        assertTrue(metrics.contains("dropletworker_jobs_finished_total"), "job metrics are exported");
        assertTrue(metrics.contains("dropletworker_jobs_open{state=\"RECEIVED\"}"), "backlog gauges are exported");
        assertTrue(metrics.contains("dropletworker_events_unpublished"), "outbox gauge is exported");
        assertTrue(metrics.contains("dropletworker_api_requests_total"), "API request counts are exported");
        assertFalse(event.toString().contains(TOKEN));

        // The operator API of the packaged worker, with a key configured through the environment.
        HttpResponse<String> job = getWithKey(pod, "/api/v1/jobs/by-command-id/" + commandId, API_KEY);
        assertEquals(200, job.statusCode(), job.body());
        assertEquals("completed", MAPPER.readTree(job.body()).path("state").asText());
        assertEquals(401, get(pod.url() + "/api/v1/jobs/by-command-id/" + commandId).statusCode());
        assertEquals(401, getWithKey(pod, "/api/v1/jobs", API_KEY + "-wrong").statusCode());
        assertEquals(200, get(pod.url() + "/dashboard/").statusCode());
        for (Path log : pods.logs()) {
            String text = Files.readString(log);
            assertFalse(text.contains(TOKEN), "the token never appears in " + log);
            assertFalse(text.contains(API_KEY), "no API key, right or wrong, appears in " + log);
        }
    }

    /**
     * With the first pod still running, two more share the work; one is killed (SIGKILL, mid-flight) and the other resumes its
     * claims once their leases expire. Every command still gets its answer, no request is sent
     * twice, and no Droplet ever has two actions in flight or runs its commands out of order.
     */
    @Test
    @Order(2)
    void twoPodsShareTheWorkAndOneResumesWhatTheOtherWasDoingWhenItDies() throws Exception {
        WorkerProcess survivor = startPod("pod-survivor");
        WorkerProcess victim = startPod("pod-victim");
        SimulatorControl admin = new SimulatorControl(ground.simulator.baseUrl());
        CommandBus bus = CommandBus.on(ground.kafka.bootstrapServers());
        List<String> sequence = List.of("power_off", "power_on", "reboot", "power_cycle");
        Map<Long, List<String>> commandsByDroplet = new LinkedHashMap<>();
        long since = admin.lastSeq();
        for (int d = 0; d < 10; d++) {
            commandsByDroplet.put(admin.seedDroplet("fleet-" + d + "-" + UUID.randomUUID().toString().substring(0, 6)),
                    new ArrayList<>());
        }
        for (String type : sequence) {
            for (Map.Entry<Long, List<String>> droplet : commandsByDroplet.entrySet()) {
                String commandId = CommandBus.newCommandId(type);
                droplet.getValue().add(commandId);
                bus.send(Long.toString(droplet.getKey()), WorkerEndToEnd.actionCommand(commandId, droplet.getKey(), type));
            }
        }
        List<String> all = commandsByDroplet.values().stream().flatMap(List::stream).toList();

        // Killed once it has taken part: the pods woken by intake may claim the whole first round
        // between them, so the victim's first claim can come a round later.
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> answered(bus, all) >= 8
                && claimsByPod(all).keySet().stream().anyMatch(p -> p.startsWith("pod-victim")));
        victim.kill();
        Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> answered(bus, all) == all.size());

        for (Map.Entry<Long, List<String>> droplet : commandsByDroplet.entrySet()) {
            List<String> startedTypes = new ArrayList<>();
            String previousStart = "";
            for (String commandId : droplet.getValue()) {
                List<JsonNode> events = bus.eventsFor(commandId);
                Set<String> ids = new HashSet<>();
                events.forEach(e -> ids.add(e.path("id").asText()));
                assertEquals(1, ids.size(), "one answer per command (republished copies share the id)");
                JsonNode data = events.get(0).path("data");
                assertEquals("completed", data.path("outcome").asText(), events.get(0).toString());
                JsonNode action = data.path("actions").path(0);
                String started = action.path("started_at").asText();
                assertTrue(started.compareTo(previousStart) >= 0, "commands on one Droplet run in arrival order");
                previousStart = started;
                startedTypes.add(action.path("type").asText());
            }
            assertEquals(sequence, startedTypes);
            long accepted = admin.requestsSince(since).stream()
                    .filter(r -> r.path("path").asText().equals("/v2/droplets/" + droplet.getKey() + "/actions"))
                    .filter(r -> "POST".equals(r.path("method").asText()) && r.path("status").asInt() == 201)
                    .count();
            assertEquals(sequence.size(), accepted, "no action was sent twice to Droplet " + droplet.getKey());
        }
        assertEquals(1, admin.accounting().path("max_in_progress_actions_per_droplet").asInt(),
                "never two actions in flight on one Droplet");
        Map<String, Integer> claimsByPod = claimsByPod(all);
        assertTrue(claimsByPod.keySet().stream().anyMatch(p -> p.startsWith("pod-survivor")), claimsByPod.toString());
        assertTrue(claimsByPod.keySet().stream().anyMatch(p -> p.startsWith("pod-victim")), claimsByPod.toString());
        assertTrue(survivor.isAlive());
    }

    /** The lines of a pod's log that are JSON objects (the JVM may print a plain line before logging starts). */
    private static List<JsonNode> jsonLines(Path log) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("{")) {
                lines.add(MAPPER.readTree(line));
            }
        }
        return lines;
    }

    private static long answered(CommandBus bus, List<String> commandIds) {
        return commandIds.stream().filter(id -> !bus.eventsFor(id).isEmpty()).count();
    }

    /** Which pod claimed the jobs of these commands, from the job transitions. */
    private static Map<String, Integer> claimsByPod(List<String> commandIds) throws SQLException {
        Map<String, Integer> claims = new HashMap<>();
        try (Connection db = DriverManager.getConnection(ground.postgres.jdbcUrl(), ground.postgres.username(),
                ground.postgres.password());
                ResultSet rows = db.createStatement().executeQuery("""
                        select t.detail from job_transition t join job j on j.id = t.job_id
                        where t.to_state = 'SUBMITTING' and j.command_id like any (array['power%', 'reboot%'])""")) {
            while (rows.next()) {
                String owner = rows.getString(1).replace("claimed by ", "");
                claims.merge(owner, 1, Integer::sum);
            }
        }
        return claims;
    }

    private static WorkerProcess startPod(String name) throws IOException, InterruptedException {
        return pods.start(name, Map.of("DIGITALOCEAN_ACCOUNTS_TEAMB_TOKEN", "dop_v1_second-account-token",
                "WORKER_API_KEYS_OPS_HASH", API_KEY_HASH, "WORKER_API_KEYS_OPS_ROLE", "operate",
                "QUARKUS_LOG_CATEGORY__IO_QUARKUS_SECURITY__LEVEL", "DEBUG"));
    }

    private static HttpResponse<String> getWithKey(WorkerProcess pod, String path, String apiKey)
            throws IOException, InterruptedException {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build().send(HttpRequest.newBuilder(URI.create(pod.url() + path)).header("X-API-Key", apiKey)
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return PackagedPods.get(url);
    }
}
