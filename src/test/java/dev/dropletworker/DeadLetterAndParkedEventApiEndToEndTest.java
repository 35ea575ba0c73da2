package dev.dropletworker;

import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.event.OutboxRelay;
import dev.dropletworker.job.JobView;
import dev.dropletworker.tools.ground.CommandBus;
import dev.dropletworker.tools.ground.KafkaBroker;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Through the operator API: dead letters the dead-letter topic would not take (kept in the
 * database), listed and inspected; events Kafka refused for good, listed, inspected and published
 * again.
 */
@QuarkusTest
class DeadLetterAndParkedEventApiEndToEndTest extends OperatorApiEndToEnd {

    KafkaBroker broker;

    @Inject
    OutboxRelay relay;

    @Test
    void aDeadLetterKeptInTheDatabaseIsListedAndInspected() {
        bus.send("warm-up-api", "not json, so that the dead-letter topic exists");
        bus.awaitDeadLetter(r -> "warm-up-api".equals(r.key()), EVENT_TIMEOUT);
        broker.topicConfig(CommandBus.DEAD_LETTERS, "max.message.bytes", "1024");
        String key = CommandBus.newCommandId("api-refused");
        String value = "not a command " + "z".repeat(5_000);
        try {
            bus.send(key, value);
            JsonNode listed = Awaitility.await().atMost(EVENT_TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> {
                for (JsonNode letter : json(reader().queryParam("limit", 200).get("/api/v1/dead-letters")).path("dead_letters")) {
                    if (key.equals(letter.path("key").asText())) {
                        return letter;
                    }
                }
                return null;
            }, l -> l != null);
            assertTrue(listed.path("value_text").isNull(), "a list shows no values");
            assertTrue(listed.path("reason").asText().contains("not valid JSON"));
            assertEquals(value.length(), listed.path("value_size").asInt());

            JsonNode letter = json(reader().get("/api/v1/dead-letters/{id}", listed.path("id").asLong()).then()
                    .statusCode(200).extract().response());
            assertEquals(value, letter.path("value_text").asText());
            assertEquals(value, new String(Base64.getDecoder().decode(letter.path("value_base64").asText()),
                    StandardCharsets.UTF_8));
            assertTrue(letter.path("dead_letter_error").asText().contains("RecordTooLargeException"));
            assertEquals(CommandBus.COMMANDS, letter.path("topic").asText());
            reader().get("/api/v1/dead-letters/{id}", Long.MAX_VALUE).then().statusCode(404);
        } finally {
            broker.topicConfig(CommandBus.DEAD_LETTERS, "max.message.bytes", null);
        }
    }

    @Test
    void aParkedEventIsListedInspectedAndPublishedAgainByAnOperateKey() {
        relay.pause();
        String stale = CommandBus.newCommandId("api-stale");
        JobView staleJob;
        try {
            long droplet = simulator.seedDroplet("api-stale-" + stale.substring(10, 18));
            bus.send(Long.toString(droplet), actionCommand(stale, droplet, "power_on"));
            staleJob = Awaitility.await().atMost(EVENT_TIMEOUT)
                    .until(() -> jobs.findByCommandId(stale).orElse(null), j -> j != null && j.state().isTerminal());
            // As in EventLimitsEndToEndTest: the topic refuses records stamped more than 3 s ago.
            broker.topicConfig(CommandBus.EVENTS, "message.timestamp.before.max.ms", "3000");
            Instant finished = staleJob.finishedAt();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(finished.plusSeconds(4)));
        } finally {
            relay.resume();
        }
        String id = staleJob.eventId().toString();
        try {
            JsonNode listed = Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        for (JsonNode p : json(reader().get("/api/v1/parked-events")).path("parked_events")) {
                            if (id.equals(p.path("id").asText())) {
                                return p;
                            }
                        }
                        return null;
                    }, p -> p != null);
            assertEquals(staleJob.id().toString(), listed.path("job_id").asText());
            assertTrue(listed.path("reason").asText().contains("InvalidTimestampException"), listed.toString());

            JsonNode one = json(reader().get("/api/v1/parked-events/{id}", id).then().statusCode(200).extract()
                    .response());
            assertEquals(stale, one.path("event").path("subject").asText());
            assertEquals(id, one.path("event").path("id").asText());
        } finally {
            broker.topicConfig(CommandBus.EVENTS, "message.timestamp.before.max.ms", null);
        }

        reader().post("/api/v1/parked-events/{id}/publish", id).then().statusCode(403);
        assertTrue(bus.eventsFor(stale).isEmpty());
        operator().post("/api/v1/parked-events/{id}/publish", id).then().statusCode(200).body("id", is(id));

        JsonNode event = bus.awaitEvent(stale, EVENT_TIMEOUT);
        assertEquals(id, event.path("id").asText());
        reader().get("/api/v1/parked-events/{id}", id).then().statusCode(404);
        operator().post("/api/v1/parked-events/{id}/publish", id).then().statusCode(404);
        assertFalse(json(reader().get("/api/v1/parked-events")).toString().contains(id));
    }
}
