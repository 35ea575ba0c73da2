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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to a packaged worker with work in flight, as Kubernetes stops a pod: it takes in no
 * more commands, lets the request it has out finish, hands back at once the claims it had not
 * sent, publishes its events and exits within its shutdown timeout; the pod that stays does the
 * rest. Nothing is lost or done twice, and the rest does not wait for the two-minute lease.
 */
class GracefulShutdownIT {

    private static final String TOKEN = "dop_v1_graceful-shutdown-it";
    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration LEASE = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Random RANDOM = new Random();

    private static GroundServers ground;
    private static final List<WorkerProcess> pods = new ArrayList<>();

    @BeforeAll
    static void startGround() {
        ground = GroundServers.start(SimulatorConfig.builder().port(0).token(TOKEN)
                .actionDuration(Duration.ofMillis(300)).build());
        // Two partitions, one per pod: commands sent while a pod stops also land on its partition.
        ground.kafka.createTopic(CommandBus.COMMANDS, 2);
    }

    @AfterAll
    static void stopAll() {
        pods.forEach(WorkerProcess::stop);
        ground.close();
    }

    @Test
    void aStoppingPodHandsItsClaimsOverAtOnceAndNothingIsLostOrDoneTwice() throws Exception {
        SimulatorControl admin = new SimulatorControl(ground.simulator.baseUrl());
        // Each action POST takes 1.5 s to answer, so the stopping pod has a request out and claims it has not sent.
        admin.faults(Map.of("latency_ms", 1500, "endpoints", List.of("POST /v2/droplets/{id}/actions")));
        Path stoppingLog = Path.of("target", "shutdown-pod-stopping.log");
        Path takerLog = Path.of("target", "shutdown-pod-taker.log");
        WorkerProcess stopping = startPod("pod-stopping", stoppingLog);
        startPod("pod-taker", takerLog);
        CommandBus bus = CommandBus.on(ground.kafka.bootstrapServers());
        long since = admin.lastSeq();

        Map<String, Long> dropletOf = new LinkedHashMap<>();
        Map<String, String> traceOf = new LinkedHashMap<>();
        for (int i = 0; i < 16; i++) {
            send(bus, admin, "early-" + i, dropletOf, traceOf);
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> claimsOf("pod-stopping") >= 3);

        stopping.signalStop();
        long signalled = System.nanoTime();
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.readString(stoppingLog).contains("shutdown: intake paused"));
        List<String> late = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            late.add(send(bus, admin, "late-" + i, dropletOf, traceOf));
        }
        assertTrue(stopping.awaitExit(SHUTDOWN_TIMEOUT.plusSeconds(15)), "the pod exits by itself, within its grace period");
        Duration stopped = Duration.ofNanos(System.nanoTime() - signalled);

        assertEquals(0, count("select count(*) from job where state = 'SUBMITTING' and lease_owner like ?", "pod-stopping%"),
                "the stopped pod holds no claim");
        assertTrue(count("select count(*) from job_transition where detail like ?", "released by pod-stopping% at shutdown") >= 1,
                "claims it had not sent were handed back");
        String stoppingOutput = Files.readString(stoppingLog);
        assertTrue(stoppingOutput.contains("shutdown: dispatch stopped;"), "dispatch stopped");
        assertTrue(stoppingOutput.contains("shutdown: relay stopped;"), "the relay stopped last");
        for (String commandId : late) {
            // The pod that takes a command in logs its job's birth ("new -> RECEIVED") with the command id.
            assertFalse(stoppingOutput.lines().anyMatch(l -> l.contains("new -> RECEIVED") && l.contains(commandId)),
                    "a stopping pod takes in no command: " + commandId);
        }

        // The rest is done by the pod that stays, long before the stopped pod's leases would have run out.
        Awaitility.await().atMost(LEASE.dividedBy(2)).until(() -> dropletOf.keySet().stream()
                .allMatch(id -> !bus.eventsFor(id).isEmpty()));
        for (Map.Entry<String, Long> command : dropletOf.entrySet()) {
            List<JsonNode> events = bus.eventsFor(command.getKey());
            Set<String> ids = new HashSet<>();
            events.forEach(e -> ids.add(e.path("id").asText()));
            assertEquals(1, ids.size(), "one answer per command: " + command.getKey());
            assertEquals("completed", events.get(0).path("data").path("outcome").asText(), events.get(0).toString());
            long posts = admin.requestsSince(since).stream()
                    .filter(r -> "POST".equals(r.path("method").asText()) && r.path("status").asInt() == 201)
                    .filter(r -> r.path("path").asText().equals("/v2/droplets/" + command.getValue() + "/actions"))
                    .count();
            assertEquals(1, posts, "the action was sent once: " + command.getKey());
            assertEquals(traceOf.get(command.getKey()), traceIdOfEvent(bus, command.getKey()),
                    "the event continues the command's trace, whichever pod finished it");
        }
        assertEquals(1, admin.accounting().path("max_in_progress_actions_per_droplet").asInt());
        String takerOutput = Files.readString(takerLog);
        for (String commandId : late) {
            assertTrue(takerOutput.lines().anyMatch(l -> l.contains("new -> RECEIVED") && l.contains(commandId)),
                    "the pod that stays took it in: " + commandId);
        }
        System.out.printf("pod-stopping exited %d ms after SIGTERM%n", stopped.toMillis());
    }

    /** Sends a reboot of a new Droplet with a trace of its own; returns its command id. */
    private static String send(CommandBus bus, SimulatorControl admin, String prefix, Map<String, Long> dropletOf,
            Map<String, String> traceOf) {
        long droplet = admin.seedDroplet(prefix);
        String commandId = CommandBus.newCommandId(prefix);
        byte[] traceId = new byte[16];
        RANDOM.nextBytes(traceId);
        traceId[0] |= 1;
        String trace = HexFormat.of().formatHex(traceId);
        bus.send(Long.toString(droplet), WorkerEndToEnd.actionCommand(commandId, droplet, "reboot")
                .getBytes(StandardCharsets.UTF_8), Map.of("traceparent", "00-" + trace + "-00f067aa0ba902b7-01"));
        dropletOf.put(commandId, droplet);
        traceOf.put(commandId, trace);
        return commandId;
    }

    private static String traceIdOfEvent(CommandBus bus, String commandId) {
        ConsumerRecord<String, byte[]> record = bus.events().stream()
                .filter(r -> commandId.equals(CommandBus.subject(r))).findFirst().orElseThrow();
        String header = CommandBus.header(record, "traceparent");
        return header == null ? null : header.split("-")[1];
    }

    /**
     * Claims the pod holds before their jobs are recorded as started. POSTs go out one at a time,
     * 1.5 s each, so of three or more all but one are not sent yet. Counting those by a null
     * {@code sent_at} misses the first attempts of a claim sent together: all of them are marked
     * sending before the first goes out.
     */
    private static long claimsOf(String pod) throws SQLException {
        return count("select count(*) from job where state = 'SUBMITTING' and lease_owner like ?", pod + "%");
    }

    private static long count(String sql, String parameter) throws SQLException {
        try (Connection db = DriverManager.getConnection(ground.postgres.jdbcUrl(), ground.postgres.username(),
                ground.postgres.password());
                PreparedStatement query = db.prepareStatement(sql)) {
            query.setString(1, parameter);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static WorkerProcess startPod(String name, Path log) throws IOException, InterruptedException {
        Map<String, String> env = ground.workerEnvironment(TOKEN);
        env.put("HOSTNAME", name);
        env.put("WORKER_SHUTDOWN_TIMEOUT", SHUTDOWN_TIMEOUT.toSeconds() + "s");
        env.put("WORKER_DISPATCH_LEASE", LEASE.toSeconds() + "s");
        env.putAll(PackagedPods.QUICK_ROUNDS);
        WorkerProcess pod = WorkerProcess.launch(JAR, env, WorkerProcess.Ports.free(), log);
        pods.add(pod);
        assertTrue(pod.awaitReady(Duration.ofSeconds(90)), name + " became ready; see " + log);
        return pod;
    }
}
