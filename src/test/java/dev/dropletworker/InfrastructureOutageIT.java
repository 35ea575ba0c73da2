package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.simulator.SimulatorConfig;
import dev.dropletworker.simulator.SimulatorControl;
import dev.dropletworker.testsupport.PackagedPods;
import dev.dropletworker.tools.ground.CommandBus;
import dev.dropletworker.tools.ground.GroundServers;
import dev.dropletworker.tools.ground.WorkerProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The database, and separately the broker, restarted under packaged workers that are taking in
 * and working off commands: the pods go not ready and come back by themselves, stay alive (no
 * process restarts), and every command is answered once.
 */
class InfrastructureOutageIT {

    private static final String TOKEN = "dop_v1_outage-it-token";
    private static final Duration OUTAGE = Duration.ofSeconds(15);

    private static GroundServers ground;
    private static PackagedPods pods;
    private static SimulatorControl simulator;
    private static CommandBus bus;

    @BeforeAll
    static void startGround() {
        ground = GroundServers.start(SimulatorConfig.builder().port(0).token(TOKEN)
                .actionDuration(Duration.ofMillis(300)).build());
        for (String topic : List.of(CommandBus.COMMANDS, CommandBus.EVENTS, CommandBus.DEAD_LETTERS)) {
            ground.kafka.createTopic(topic, 2);
        }
        pods = new PackagedPods(ground, TOKEN);
        simulator = new SimulatorControl(ground.simulator.baseUrl());
        bus = CommandBus.on(ground.kafka.bootstrapServers());
    }

    @AfterAll
    static void stopAll() {
        pods.close();
        ground.close();
    }

    @Test
    void aDatabaseRestartPausesIntakeAndReadinessAndEveryCommandIsAnsweredOnce() throws Exception {
        List<WorkerProcess> workers = List.of(pods.start("db-a", Map.of()), pods.start("db-b", Map.of()));
        List<Long> pids = workers.stream().map(WorkerProcess::pid).toList();
        List<Long> droplets = seed("db", 10);
        List<String> commands = new ArrayList<>(send(droplets, "reboot"));
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> answered(commands) >= 3);

        AtomicBoolean alwaysAlive = watchLiveness(workers);
        ground.postgres.stop();
        Instant down = Instant.now();
        commands.addAll(send(droplets, "power_cycle")); // taken in by Kafka; held by intake
        for (WorkerProcess worker : workers) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> PackagedPods.health(worker, "ready") == 503);
        }
        Awaitility.await().atMost(OUTAGE.plusSeconds(5)).until(() -> Instant.now().isAfter(down.plus(OUTAGE)));
        ground.postgres.startAgain();
        for (WorkerProcess worker : workers) {
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> PackagedPods.health(worker, "ready") == 200);
        }
        commands.addAll(send(droplets, "power_off"));

        Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> answered(commands) == commands.size());
        assertAnsweredOnce(commands);
        assertTrue(alwaysAlive.get(), "liveness stayed UP throughout");
        assertEquals(pids, workers.stream().map(WorkerProcess::pid).toList());
        assertTrue(workers.stream().allMatch(WorkerProcess::isAlive), "no pod restarted or died");
        workers.forEach(WorkerProcess::stop);
    }

    @Test
    void aBrokerRestartPausesReadinessAndTheRelayCatchesUpWithoutPublishingARowTwice() throws Exception {
        // A round waits 5 s for its acknowledgements, far less than the outage: sends still pending
        // then must not be sent again by this pod when the broker is back.
        WorkerProcess worker = pods.start("broker-a", Map.of("WORKER_RELAY_SEND_TIMEOUT", "5s"));
        long pid = worker.pid();
        List<Long> droplets = seed("broker", 10);
        List<String> commands = new ArrayList<>(send(droplets, "reboot"));
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> answered(commands) >= 2);

        AtomicBoolean alwaysAlive = watchLiveness(List.of(worker));
        ground.kafka.stop(); // jobs in flight go on finishing; their events wait in the outbox
        Instant down = Instant.now();
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> PackagedPods.health(worker, "ready") == 503);
        Awaitility.await().atMost(OUTAGE.plusSeconds(5)).until(() -> Instant.now().isAfter(down.plus(OUTAGE)));
        ground.kafka.startAgain();
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> PackagedPods.health(worker, "ready") == 200);
        commands.addAll(send(droplets, "power_cycle"));

        Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> answered(commands) == commands.size());
        Thread.sleep(3_000); // a copy sent twice would arrive by now
        for (String commandId : commands) {
            assertEquals(1, bus.eventsFor(commandId).size(), "one pod published " + commandId + "'s row once");
        }
        assertTrue(alwaysAlive.get(), "liveness stayed UP throughout");
        assertEquals(pid, worker.pid());
        assertTrue(worker.isAlive(), "the pod did not restart or die");
        worker.stop();
    }

    /**
     * Events pile up in the outbox while the broker is away; two pods relay them in small batches
     * once it is back. Each Droplet's events (one key) still arrive in the order its jobs finished.
     */
    @Test
    void eventsOfOneKeyArePublishedInTheOrderTheirJobsFinishedWhicheverPodRelaysThem() throws Exception {
        Map<String, String> smallBatches = Map.of("WORKER_RELAY_BATCH_SIZE", "2");
        List<WorkerProcess> workers = List.of(pods.start("order-a", smallBatches), pods.start("order-b", smallBatches));
        List<Long> droplets = seed("order", 5);
        List<String> commands = new ArrayList<>();
        for (String type : List.of("reboot", "power_cycle", "power_off", "power_on", "reboot", "power_cycle")) {
            commands.addAll(send(droplets, type));
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> answered(commands) >= 1);
        ground.kafka.stop(); // the rest finish meanwhile; their events wait in the outbox
        Thread.sleep(OUTAGE.toMillis());
        ground.kafka.startAgain();

        Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> answered(commands) == commands.size());
        Map<String, List<Instant>> finishedByKey = new java.util.HashMap<>();
        for (var record : bus.events()) {
            JsonNode data = CommandBus.json(record.value()).path("data");
            if (commands.contains(data.path("command_id").asText())) {
                finishedByKey.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(Instant.parse(data.path("finished_at").asText()));
            }
        }
        assertEquals(droplets.size(), finishedByKey.size());
        for (var key : finishedByKey.entrySet()) {
            List<Instant> inOrder = new ArrayList<>(key.getValue());
            inOrder.sort(Instant::compareTo);
            assertEquals(inOrder, key.getValue(), "Droplet " + key.getKey() + "'s events came in the order its jobs finished");
        }
        workers.forEach(WorkerProcess::stop);
    }

    private static List<Long> seed(String prefix, int count) {
        List<Long> droplets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            droplets.add(simulator.seedDroplet(prefix + "-" + i + "-" + UUID.randomUUID().toString().substring(0, 6)));
        }
        return droplets;
    }

    private static List<String> send(List<Long> droplets, String type) {
        List<String> sent = new ArrayList<>();
        for (long droplet : droplets) {
            String commandId = CommandBus.newCommandId(type);
            bus.send(Long.toString(droplet), WorkerEndToEnd.actionCommand(commandId, droplet, type));
            sent.add(commandId);
        }
        return sent;
    }

    private static long answered(List<String> commands) {
        return commands.stream().filter(id -> !bus.eventsFor(id).isEmpty()).count();
    }

    private static void assertAnsweredOnce(List<String> commands) {
        for (String commandId : commands) {
            List<JsonNode> events = bus.eventsFor(commandId);
            Set<String> ids = new HashSet<>();
            events.forEach(e -> ids.add(e.path("id").asText()));
            assertEquals(1, ids.size(), "one answer for " + commandId + " (republished copies share the id)");
            assertEquals("completed", events.get(0).path("data").path("outcome").asText(), events.get(0).toString());
        }
    }

    /** Polls liveness in the background until the end of the test; false once any poll saw it DOWN. */
    private static AtomicBoolean watchLiveness(List<WorkerProcess> workers) {
        AtomicBoolean alive = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (workers.stream().allMatch(WorkerProcess::isAlive)) {
                for (WorkerProcess worker : workers) {
                    int status = PackagedPods.health(worker, "live");
                    if (status != 200 && worker.isAlive()) {
                        alive.set(false);
                    }
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "liveness-watch");
        watcher.setDaemon(true);
        watcher.start();
        return alive;
    }
}
