package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.command.DeadLetterView;
import dev.dropletworker.command.DeadLetters;
import dev.dropletworker.tools.ground.CommandBus;
import dev.dropletworker.tools.ground.KafkaBroker;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * No single record stops intake: one too large for the dead-letter topic, one the topic will not
 * take at all, one whose echo would make an event larger than Kafka takes. Each gets its answer,
 * and a valid command sent right after it on the same key is answered too.
 */
@QuarkusTest
class IntakeLimitsEndToEndTest extends WorkerEndToEnd {

    private static final ObjectMapper JSON = new ObjectMapper();

    KafkaBroker broker;

    @Inject
    DeadLetters deadLetters;

    @Test
    void aRecordTooLargeForTheDeadLetterTopicGetsACutCopyAndIntakeGoesOn() {
        String key = CommandBus.newCommandId("huge");
        byte[] huge = new byte[1_048_300]; // just under what Kafka takes by default; with its headers, the copy is not
        Arrays.fill(huge, (byte) 'x');

        bus.send(key, huge);
        JsonNode answer = afterIt(key);

        assertEquals("completed", answer.path("data").path("outcome").asText(), answer.toString());
        ConsumerRecord<String, byte[]> copy = bus.awaitDeadLetter(r -> key.equals(r.key()), EVENT_TIMEOUT);
        assertEquals("1048300", CommandBus.header(copy, "dead-letter-truncated"));
        assertEquals(256 * 1024, copy.value().length);
        assertTrue(CommandBus.header(copy, "dead-letter-reason").startsWith("record is not valid JSON"),
                CommandBus.header(copy, "dead-letter-reason"));
        assertTrue(CommandBus.header(copy, "dead-letter-reason").length() < 1_000, "the reason is bounded too");
    }

    @Test
    void aRecordTheDeadLetterTopicWillNotTakeIsKeptInTheDatabaseAndIntakeGoesOn() {
        bus.send("warm-up", "not json, so that the dead-letter topic exists");
        bus.awaitDeadLetter(r -> "warm-up".equals(r.key()), EVENT_TIMEOUT);
        broker.topicConfig(CommandBus.DEAD_LETTERS, "max.message.bytes", "1024");
        try {
            String key = CommandBus.newCommandId("refused");
            String value = "not a command " + "y".repeat(5_000);

            bus.send(key, value);
            JsonNode answer = afterIt(key);

            assertEquals("completed", answer.path("data").path("outcome").asText(), answer.toString());
            DeadLetterView kept = Awaitility.await().atMost(EVENT_TIMEOUT).until(
                    () -> deadLetters.list(null, 50).stream().filter(d -> d.key() != null
                            && key.equals(new String(d.key(), StandardCharsets.UTF_8))).findFirst().orElse(null),
                    d -> d != null);
            assertTrue(kept.reason().contains("not valid JSON"), kept.reason());
            assertTrue(kept.deadLetterError().contains("RecordTooLargeException"), kept.deadLetterError());
            assertEquals(value, new String(kept.value(), StandardCharsets.UTF_8));
            assertEquals(CommandBus.COMMANDS, kept.topic());
        } finally {
            broker.topicConfig(CommandBus.DEAD_LETTERS, "max.message.bytes", null);
        }
    }

    @Test
    void aCommandWhoseFieldNamesAreHugeIsRejectedWithASmallEvent() {
        String commandId = CommandBus.newCommandId("echo");
        ObjectNode command = JSON.createObjectNode().put("command_id", commandId).put("type", "droplet.action")
                .put("droplet_id", 1);
        command.putObject("action").put("type", "reboot");
        for (int i = 0; i < 20; i++) {
            command.put(i + "/".repeat(49_000), i); // escaped to ~1 in the pointer: 20 x 98,000 characters echoed
        }
        byte[] record = command.toString().getBytes(StandardCharsets.UTF_8);
        assertTrue(record.length < 1_000_000, "the record itself is an ordinary size: " + record.length);

        bus.send(commandId, record);
        ConsumerRecord<String, byte[]> event = bus.awaitEventRecord(commandId, EVENT_TIMEOUT);

        JsonNode data = CommandBus.json(event.value()).path("data");
        assertEquals("rejected", data.path("outcome").asText());
        assertEquals(20, data.path("problems").size());
        assertTrue(event.value().length < 64 * 1024, "the event stays small: " + event.value().length);
    }

    @Test
    void aRecordLargerThanACommandMayBeIsDeadLetteredUnread() {
        broker.topicConfig(CommandBus.COMMANDS, "max.message.bytes", "2097152"); // a topic that takes more
        try {
            String key = CommandBus.newCommandId("oversized-json");
            bus.send(key, "{\"command_id\":\"" + key + "\",\"type\":\"droplet.create\",\"pad\":\""
                    + "z".repeat(1_100_000) + "\"}");

            ConsumerRecord<String, byte[]> copy = bus.awaitDeadLetter(r -> key.equals(r.key()), EVENT_TIMEOUT);
            JsonNode answer = afterIt(key);

            assertTrue(CommandBus.header(copy, "dead-letter-reason").contains("a command may have at most 1048576"),
                    CommandBus.header(copy, "dead-letter-reason"));
            assertEquals("completed", answer.path("data").path("outcome").asText(), answer.toString());
            assertTrue(bus.eventsFor(key).isEmpty(), "not read, so not answered as a command");
        } finally {
            broker.topicConfig(CommandBus.COMMANDS, "max.message.bytes", null);
        }
    }

    /** Sends a valid command on the same key right after, and returns its event. */
    private JsonNode afterIt(String key) {
        long droplet = simulator.seedDroplet("after-" + key.substring(0, 12));
        String commandId = CommandBus.newCommandId("after");
        bus.send(key, actionCommand(commandId, droplet, "power_on"));
        return bus.awaitEvent(commandId, Duration.ofSeconds(60));
    }
}
