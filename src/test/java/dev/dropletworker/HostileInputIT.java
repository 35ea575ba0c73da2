package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A packaged worker, with a capped heap and a recognisable token, under a stream of hostile records
 * (random bytes, cut and deeply nested JSON, wrong types, huge strings and arrays, unknown types,
 * bad ids, hostile tag names, records near and over 1 MiB) interleaved with valid commands, while
 * the simulator fails some requests. Every hostile record gets a recorded answer, every valid
 * command completes, intake never stops, and the token shows nowhere.
 *
 * <p>About 1,000 records by default; the full run:
 * {@code ./mvnw verify -Dit.test=HostileInputIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dhostile.records=10000}
 * ({@code -Dhostile.seed=N} for another stream). It prints its figures.
 */
class HostileInputIT {

    /** Looks nothing like a real token, but is distinctive enough to find anywhere. */
    private static final String TOKEN = "dop_v1_hostile-input-it-recognisable-secret";
    private static final String REFUSED_TOKEN = "dop_v1_hostile-input-it-refused-secret";
    private static final int RECORDS = Integer.getInteger("hostile.records", 1_000);
    private static final long SEED = Long.getLong("hostile.seed", 20261201L);
    /** At most this many records near or over 1 MiB, whatever the run's size. */
    private static final int LARGE_RECORDS = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static GroundServers ground;
    private static PackagedPods pods;

    @BeforeAll
    static void startGround() {
        ground = GroundServers.start(SimulatorConfig.builder().port(0).token(TOKEN)
                .actionDuration(Duration.ofMillis(200)).build());
        // The commands topic takes records up to 2 MiB, so that the worker sees the ones over 1 MiB.
        ground.kafka.createTopic(CommandBus.COMMANDS, 4, Map.of("max.message.bytes", Integer.toString(2 << 20)));
        ground.kafka.createTopic(CommandBus.EVENTS, 4);
        ground.kafka.createTopic(CommandBus.DEAD_LETTERS, 1);
        pods = new PackagedPods(ground, TOKEN);
    }

    @AfterAll
    static void stopAll() {
        pods.close();
        ground.close();
    }

    @Test
    void everyHostileRecordIsAnsweredEveryValidCommandCompletesAndIntakeNeverStops() throws Exception {
        WorkerProcess worker = pods.start("hostile", Map.of(
                "JAVA_TOOL_OPTIONS", "-Xmx256m",
                "DIGITALOCEAN_ACCOUNTS_REFUSED_TOKEN", REFUSED_TOKEN));
        long pid = worker.pid();
        AtomicBoolean alwaysAlive = watchLiveness(worker);
        SimulatorControl simulator = new SimulatorControl(ground.simulator.baseUrl());
        // Failures on the way too: the token must not show in what they leave behind either.
        simulator.faults(Map.of("server_error_rate", 0.1, "applied_but_lost_rate", 0.05));
        List<Long> droplets = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            droplets.add(simulator.seedDroplet("fuzz-" + i, "fuzz"));
        }
        CommandBus bus = CommandBus.on(ground.kafka.bootstrapServers());
        Random random = new Random(SEED);
        Hostile hostile = new Hostile(random);
        Map<String, String> kinds = new LinkedHashMap<>();
        List<String> valid = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < RECORDS; i++) {
            String key = "h-" + i + "-" + UUID.randomUUID().toString().substring(0, 8);
            Hostile.Record record = hostile.next(key, i);
            kinds.put(key, record.kind());
            bus.send(key, record.value());
            if (i % 10 == 0) {
                long droplet = droplets.get(random.nextInt(droplets.size()));
                String commandId = CommandBus.newCommandId("valid");
                bus.send(Long.toString(droplet), WorkerEndToEnd.actionCommand(commandId, droplet,
                        List.of("reboot", "power_cycle", "power_on").get(random.nextInt(3))));
                valid.add(commandId);
            }
            if (i % 250 == 0) {
                String commandId = CommandBus.newCommandId("refused");
                bus.send(commandId, "{\"command_id\":\"" + commandId + "\",\"account\":\"refused\",\"type\":"
                        + "\"droplet.action\",\"droplet_id\":" + droplets.get(0) + ",\"action\":{\"type\":\"reboot\"}}");
                refused.add(commandId);
            }
        }
        double sendSeconds = (System.nanoTime() - started) / 1e9;

        Set<String> pending = new HashSet<>(kinds.keySet());
        Awaitility.await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            pending.removeAll(answeredHostile(bus, pending));
            return pending.isEmpty();
        });
        double answeredSeconds = (System.nanoTime() - started) / 1e9;
        Awaitility.await().atMost(Duration.ofMinutes(5)).until(() -> valid.stream().allMatch(c -> !bus.eventsFor(c).isEmpty()));
        for (String commandId : valid) {
            assertEquals("completed", bus.eventsFor(commandId).get(0).path("data").path("outcome").asText(),
                    bus.eventsFor(commandId).get(0).toString());
        }
        for (String commandId : refused) {
            JsonNode event = bus.awaitEvent(commandId, Duration.ofMinutes(2));
            assertEquals("failed", event.path("data").path("outcome").asText(), event.toString());
            assertEquals(401, event.path("data").path("error").path("http_status").asInt());
        }
        Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> consumerLag() == 0);

        assertTrue(alwaysAlive.get(), "liveness stayed UP throughout");
        assertEquals(pid, worker.pid());
        assertTrue(worker.isAlive(), "the pod never restarted or died");
        assertTokensShowNowhere(bus);

        Map<String, Integer> byKind = new HashMap<>();
        kinds.values().forEach(k -> byKind.merge(k, 1, Integer::sum));
        Map<String, Long> byAnswer = answersByKind(bus, kinds.keySet());
        System.out.printf("hostile input: %d records (seed %d) and %d valid commands sent in %.1f s; all answered "
                        + "after %.1f s (%.0f records/s); answers %s; kinds %s; peak RSS %d MiB%n", RECORDS, SEED,
                valid.size(), sendSeconds, answeredSeconds, RECORDS / answeredSeconds, byAnswer, byKind,
                worker.peakResidentKib() / 1024);
    }

    /** The keys among {@code keys} that have a dead-letter copy, a stored dead letter or a rejected event. */
    private static Set<String> answeredHostile(CommandBus bus, Set<String> keys) throws Exception {
        Set<String> answered = new HashSet<>();
        bus.deadLetters().forEach(r -> {
            if (keys.contains(r.key())) {
                answered.add(r.key());
            }
        });
        for (var event : bus.events()) {
            JsonNode data = CommandBus.json(event.value()).path("data");
            String subject = data.path("command_id").asText();
            if (keys.contains(subject)) {
                assertEquals("rejected", data.path("outcome").asText(), "a hostile record is never run: " + data);
                answered.add(subject);
            }
        }
        answered.addAll(storedDeadLetterKeys(keys));
        return answered;
    }

    private static Map<String, Long> answersByKind(CommandBus bus, Set<String> keys) throws Exception {
        Map<String, Long> answers = new HashMap<>();
        answers.put("dead-letter topic", bus.deadLetters().stream().filter(r -> keys.contains(r.key())).count());
        answers.put("rejected event", bus.events().stream()
                .filter(e -> keys.contains(CommandBus.json(e.value()).path("data").path("command_id").asText())).count());
        answers.put("stored dead letter", (long) storedDeadLetterKeys(keys).size());
        return answers;
    }

    private static Set<String> storedDeadLetterKeys(Set<String> keys) throws Exception {
        Set<String> stored = new HashSet<>();
        try (Connection db = database(); ResultSet rows = db.createStatement().executeQuery(
                "select record_key from dead_letter")) {
            while (rows.next()) {
                byte[] key = rows.getBytes(1);
                if (key != null && keys.contains(new String(key, StandardCharsets.UTF_8))) {
                    stored.add(new String(key, StandardCharsets.UTF_8));
                }
            }
        }
        return stored;
    }

    /** Records of the commands topic not yet committed by the worker's consumer group. */
    private static long consumerLag() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                ground.kafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("droplet-worker")
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < 4; p++) {
                latest.put(new TopicPartition(CommandBus.COMMANDS, p), OffsetSpec.latest());
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(30, TimeUnit.SECONDS);
            long lag = 0;
            for (var end : ends.entrySet()) {
                OffsetAndMetadata done = committed.get(end.getKey());
                lag += end.getValue().offset() - (done == null ? 0 : done.offset());
            }
            return lag;
        }
    }

    /** Neither token in the pod's log (DEBUG included), any event or dead letter, or any row of any table. */
    private static void assertTokensShowNowhere(CommandBus bus) throws Exception {
        for (Path log : pods.logs()) {
            String text = Files.readString(log);
            assertFalse(text.contains(TOKEN), "the token shows in " + log);
            assertFalse(text.contains(REFUSED_TOKEN), "the refused account's token shows in " + log);
        }
        for (var record : bus.events()) {
            assertNoToken(new String(record.value(), StandardCharsets.UTF_8), "an event");
        }
        for (var record : bus.deadLetters()) {
            assertNoToken(new String(record.value(), StandardCharsets.UTF_8), "a dead-letter record");
        }
        try (Connection db = database(); ResultSet tables = db.createStatement().executeQuery(
                "select tablename from pg_tables where schemaname = 'public'")) {
            List<String> names = new ArrayList<>();
            while (tables.next()) {
                names.add(tables.getString(1));
            }
            for (String table : names) {
                try (ResultSet rows = db.createStatement().executeQuery(
                        "select t::text from \"" + table + "\" t")) {
                    while (rows.next()) {
                        assertNoToken(rows.getString(1), "a row of " + table);
                    }
                }
            }
        }
    }

    private static void assertNoToken(String text, String where) {
        assertFalse(text.contains(TOKEN) || text.contains(REFUSED_TOKEN), "a token shows in " + where);
    }

    private static Connection database() throws Exception {
        return DriverManager.getConnection(ground.postgres.jdbcUrl(), ground.postgres.username(),
                ground.postgres.password());
    }

    private static AtomicBoolean watchLiveness(WorkerProcess worker) {
        AtomicBoolean alive = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (worker.isAlive()) {
                if (PackagedPods.health(worker, "live") != 200 && worker.isAlive()) {
                    alive.set(false);
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

    /** A seeded stream of hostile records, each keyed and, where it has one, identified by its key. */
    private static final class Hostile {

        record Record(String kind, byte[] value) {
        }

        private final Random random;
        private final List<Function<String, Record>> kinds = List.of(
                this::randomBytes, this::cutJson, this::deeplyNested, this::wrongTypes, this::hugeString,
                this::hugeArray, this::unknownType, this::badIds, this::hostileTag, this::nulCharacter,
                this::notAnObject, this::badCommandId);
        private int large;

        Hostile(Random random) {
            this.random = random;
        }

        Record next(String key, int index) {
            // Records near and over 1 MiB, spread through the stream, at most LARGE_RECORDS of them.
            if (large < LARGE_RECORDS && index % Math.max(1, RECORDS / LARGE_RECORDS) == 7) {
                large++;
                return large % 2 == 0 ? nearOneMebibyte(key) : overOneMebibyte(key);
            }
            return kinds.get(random.nextInt(kinds.size())).apply(key);
        }

        private Record randomBytes(String key) {
            byte[] bytes = new byte[1 + random.nextInt(4_000)];
            random.nextBytes(bytes);
            return new Record("random bytes", bytes);
        }

        private Record cutJson(String key) {
            String whole = validAction(key).toString();
            return new Record("cut JSON", bytes(whole.substring(0, 1 + random.nextInt(whole.length() - 1))));
        }

        private Record deeplyNested(String key) {
            int depth = 40 + random.nextInt(20_000);
            return new Record("deeply nested", bytes("{\"command_id\":\"" + key + "\",\"x\":" + "[".repeat(depth)
                    + "]".repeat(depth) + "}"));
        }

        private Record wrongTypes(String key) {
            ObjectNode command = validAction(key);
            switch (random.nextInt(4)) {
                case 0 -> command.put("droplet_id", "twelve");
                case 1 -> command.putArray("action").add("reboot");
                case 2 -> command.put("type", 7);
                default -> command.put("account", true);
            }
            return new Record("wrong types", bytes(command.toString()));
        }

        private Record hugeString(String key) {
            ObjectNode command = JSON.createObjectNode().put("command_id", key).put("type", "droplet.create");
            ObjectNode droplet = command.putObject("droplet").put("size", "s-1vcpu-1gb").put("image", "ubuntu-24-04-x64");
            if (random.nextBoolean()) {
                droplet.put("name", "n".repeat(50_000 + random.nextInt(100_000)));
            } else {
                droplet.put("name", "ok").put("user_data", "u".repeat(70_000 + random.nextInt(100_000)));
            }
            return new Record("huge string", bytes(command.toString()));
        }

        private Record hugeArray(String key) {
            ObjectNode command = JSON.createObjectNode().put("command_id", key).put("type", "droplet.create");
            ObjectNode droplet = command.putObject("droplet").put("size", "s-1vcpu-1gb").put("image", "ubuntu-24-04-x64");
            ArrayNode names = droplet.putArray("names");
            for (int i = 0; i < 1_000 + random.nextInt(20_000); i++) {
                names.add("n" + i);
            }
            return new Record("huge array", bytes(command.toString()));
        }

        private Record unknownType(String key) {
            ObjectNode command = validAction(key);
            command.put("type", List.of("droplet.destroy", "", "DROPLET.ACTION", "droplet.action ", "x".repeat(5_000))
                    .get(random.nextInt(5)));
            return new Record("unknown type", bytes(command.toString()));
        }

        private Record badIds(String key) {
            String id = List.of("-5", "0", "99999999999999999999999", "1.5", "1e3", "9223372036854775808")
                    .get(random.nextInt(6));
            return new Record("bad id", bytes("{\"command_id\":\"" + key + "\",\"type\":\"droplet.action\","
                    + "\"droplet_id\":" + id + ",\"action\":{\"type\":\"reboot\"}}"));
        }

        private Record hostileTag(String key) {
            ObjectNode command = JSON.createObjectNode().put("command_id", key).put("type", "droplet.tag_action");
            command.put("tag_name", List.of("", "t".repeat(10_000), "line\nbreak", "tag with spaces",
                    "\u202Eevil", "a/b?c=d&e", "\u0007bell").get(random.nextInt(7)));
            command.putObject("action").put("type", "power_off");
            return new Record("hostile tag", bytes(command.toString()));
        }

        private Record nulCharacter(String key) {
            ObjectNode command = validAction(key);
            ((ObjectNode) command.get("action")).put("name", "a\u0000b");
            return new Record("NUL character", bytes(command.toString()));
        }

        private Record notAnObject(String key) {
            return new Record("not an object", bytes(List.of("[]", "42", "\"str\"", "null", "true", "[{\"command_id\":\""
                    + key + "\"}]").get(random.nextInt(6))));
        }

        private Record badCommandId(String key) {
            return new Record("bad command_id", bytes(List.of("{\"command_id\":42,\"k\":\"" + key + "\"}",
                    "{\"command_id\":\"" + "c".repeat(300) + key + "\"}", "{\"command_id\":\"\"}",
                    "{\"type\":\"droplet.action\",\"k\":\"" + key + "\"}").get(random.nextInt(4))));
        }

        private Record nearOneMebibyte(String key) {
            ObjectNode command = validAction(key);
            command.put("padding", "p".repeat(1_000_000)); // an unknown field: rejected, its echo cut
            return new Record("near 1 MiB", bytes(command.toString()));
        }

        private Record overOneMebibyte(String key) {
            byte[] value = new byte[1_100_000 + random.nextInt(400_000)];
            random.nextBytes(value);
            return new Record("over 1 MiB", value);
        }

        private static ObjectNode validAction(String key) {
            ObjectNode command = JSON.createObjectNode().put("command_id", key).put("type", "droplet.action")
                    .put("droplet_id", 1);
            command.putObject("action").put("type", "reboot");
            return command;
        }

        private static byte[] bytes(String text) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
    }
}
