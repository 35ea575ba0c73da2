package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.simulator.SimulatorConfig;
import dev.dropletworker.simulator.SimulatorControl;
import dev.dropletworker.testsupport.PackagedPods;
import dev.dropletworker.tools.ground.CommandBus;
import dev.dropletworker.tools.ground.GroundServers;
import dev.dropletworker.tools.ground.WorkerProcess;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged worker as three pods, killed (SIGKILL) and replaced at random while the simulator
 * fails requests (5xx, answers lost after the request took effect, as a 500 and as a reset,
 * latency spikes) and a mixed stream of commands flows: single and multi creates, actions, and tag
 * actions on tags whose Droplets also get id actions. At the end every command has one answer, no
 * create name has two Droplets, the worker never met a Droplet busy with its own work, and no job
 * is left unfinished.
 *
 * <p>About 100 commands by default; the full run:
 * {@code ./mvnw verify -Dit.test=ChaosIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dchaos.commands=500 -Dchaos.kills=8}.
 * It prints its figures.
 */
class ChaosIT {

    private static final String TOKEN = "dop_v1_chaos-it-token";
    private static final int COMMANDS = Integer.getInteger("chaos.commands", 100);
    private static final int KILLS = Integer.getInteger("chaos.kills", 2);
    private static final long SEED = Long.getLong("chaos.seed", 7L);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static GroundServers ground;
    private static PackagedPods pods;

    @BeforeAll
    static void startGround() {
        ground = GroundServers.start(SimulatorConfig.builder().port(0).token(TOKEN)
                .actionDuration(Duration.ofMillis(400)).build());
        ground.kafka.createTopic(CommandBus.COMMANDS, 6);
        ground.kafka.createTopic(CommandBus.EVENTS, 6);
        ground.kafka.createTopic(CommandBus.DEAD_LETTERS, 1);
        pods = new PackagedPods(ground, TOKEN);
    }

    @AfterAll
    static void stopAll() {
        pods.close();
        ground.close();
    }

    @Test
    void underKillsAndFaultsEveryCommandIsAnsweredOnceAndNothingIsDoubled() throws Exception {
        List<WorkerProcess> running = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            running.add(pods.start("chaos-" + i, Map.of()));
        }
        SimulatorControl simulator = new SimulatorControl(ground.simulator.baseUrl());
        Random random = new Random(SEED);
        List<String> tags = List.of("chaos-a", "chaos-b", "chaos-c");
        List<Long> droplets = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            droplets.add(simulator.seedDroplet("chaos-" + i, tags.get(i % tags.size())));
        }
        simulator.faults(Map.of("server_error_rate", 0.1, "applied_but_lost_rate", 0.05,
                "latency_ms", Map.of("fixed", 0, "jitter", 150)));

        AtomicBoolean chaos = new AtomicBoolean(true);
        AtomicInteger kills = new AtomicInteger();
        Thread monkey = new Thread(() -> causeChaos(simulator, running, random, chaos, kills), "chaos-monkey");
        monkey.setDaemon(true);
        monkey.start();

        CommandBus bus = CommandBus.on(ground.kafka.bootstrapServers());
        Map<String, Integer> createNames = new LinkedHashMap<>();
        List<String> commands = new ArrayList<>();
        Map<String, Integer> kinds = new HashMap<>();
        for (int i = 0; i < COMMANDS; i++) {
            int pick = random.nextInt(10);
            String commandId;
            if (pick < 2) {
                int count = pick == 0 ? 1 : 2 + random.nextInt(4);
                ObjectNode command = create("c" + i, count);
                commandId = command.get("command_id").asText();
                createNames.put(commandId, count);
                bus.send(commandId, command.toString());
                kinds.merge(count == 1 ? "single create" : "multi create", 1, Integer::sum);
            } else if (pick < 4) {
                String tag = tags.get(random.nextInt(tags.size()));
                commandId = CommandBus.newCommandId("tag");
                ObjectNode command = JSON.createObjectNode().put("command_id", commandId)
                        .put("type", "droplet.tag_action").put("tag_name", tag);
                command.putObject("action").put("type", List.of("power_off", "power_on", "enable_ipv6")
                        .get(random.nextInt(3)));
                bus.send(commandId, command.toString());
                kinds.merge("tag action", 1, Integer::sum);
            } else {
                long droplet = droplets.get(random.nextInt(droplets.size()));
                commandId = CommandBus.newCommandId("act");
                bus.send(Long.toString(droplet), WorkerEndToEnd.actionCommand(commandId, droplet,
                        List.of("reboot", "power_cycle", "power_on", "shutdown").get(random.nextInt(4))));
                kinds.merge("action", 1, Integer::sum);
            }
            commands.add(commandId);
            if (i % 20 == 19) {
                Thread.sleep(1_000); // spread the stream over the kills
            }
        }
        long started = System.nanoTime();
        Awaitility.await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(1)).until(
                () -> commands.stream().allMatch(c -> !bus.eventsFor(c).isEmpty()));
        chaos.set(false);
        monkey.join(30_000);
        double seconds = (System.nanoTime() - started) / 1e9;

        Map<String, Integer> outcomes = new HashMap<>();
        for (String commandId : commands) {
            Set<String> ids = new HashSet<>();
            bus.eventsFor(commandId).forEach(e -> ids.add(e.path("id").asText()));
            assertEquals(1, ids.size(), "one answer for " + commandId);
            outcomes.merge(bus.eventsFor(commandId).get(0).path("data").path("outcome").asText(), 1, Integer::sum);
        }
        JsonNode accounting = simulator.accounting();
        JsonNode perTag = accounting.path("droplets_created_per_tag");
        try (Connection db = DriverManager.getConnection(ground.postgres.jdbcUrl(), ground.postgres.username(),
                ground.postgres.password())) {
            for (Map.Entry<String, Integer> create : createNames.entrySet()) {
                String jobTag = "droplet-worker:job-" + jobId(db, create.getKey());
                assertTrue(perTag.path(jobTag).asInt() <= create.getValue(),
                        create.getKey() + " created no name twice: " + perTag.path(jobTag));
            }
            try (ResultSet open = db.createStatement().executeQuery(
                    "select count(*) from job where state in ('RECEIVED', 'SUBMITTING', 'IN_PROGRESS')")) {
                open.next();
                assertEquals(0, open.getLong(1), "no job is left unfinished");
            }
        }
        long busy = simulator.requestsSince(0).stream()
                .filter(r -> "POST".equals(r.path("method").asText()) && r.path("status").asInt() == 422).count();
        assertEquals(0, busy, "the worker never sent an action to a Droplet busy with its own work");
        assertEquals(1, accounting.path("max_in_progress_actions_per_droplet").asInt());
        System.out.printf("chaos: %d commands %s, %d pod kills, answered %.1f s after the last was sent; outcomes %s;"
                + " simulator faults %s%n", COMMANDS, kinds, kills.get(), seconds, outcomes,
                accounting.path("faults_injected"));
    }

    /** Kills a random pod every few seconds and starts another in its place; swaps how lost answers come. */
    private static void causeChaos(SimulatorControl simulator, List<WorkerProcess> running, Random random,
            AtomicBoolean chaos, AtomicInteger kills) {
        int pod = 3;
        try {
            while (chaos.get() && kills.get() < KILLS) {
                Thread.sleep(6_000 + random.nextInt(6_000));
                simulator.faults(Map.of("applied_but_lost_response", random.nextBoolean() ? "server_error" : "reset"));
                WorkerProcess victim = running.remove(random.nextInt(running.size()));
                victim.kill();
                kills.incrementAndGet();
                Thread.sleep(1_000 + random.nextInt(3_000));
                running.add(pods.start("chaos-" + pod++, Map.of()));
            }
        } catch (Exception e) {
            throw new IllegalStateException("chaos stopped", e);
        }
    }

    private static ObjectNode create(String prefix, int count) {
        String unique = prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
        ObjectNode command = JSON.createObjectNode().put("command_id", CommandBus.newCommandId("create"))
                .put("type", "droplet.create");
        ObjectNode droplet = command.putObject("droplet").put("region", "nyc3").put("size", "s-1vcpu-1gb")
                .put("image", "ubuntu-24-04-x64");
        if (count == 1) {
            droplet.put("name", unique);
        } else {
            ArrayNode names = droplet.putArray("names");
            for (int i = 0; i < count; i++) {
                names.add(unique + "-" + i);
            }
        }
        return command;
    }

    private static String jobId(Connection db, String commandId) throws Exception {
        try (ResultSet row = db.createStatement().executeQuery(
                "select id from job where command_id = '" + commandId + "'")) {
            row.next();
            return row.getString(1);
        }
    }
}
