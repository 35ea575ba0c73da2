package dev.dropletworker.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import dev.dropletworker.job.ActionView;
import dev.dropletworker.job.CommandType;
import dev.dropletworker.job.Failure;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobView;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A job's event, and the same event cut down when it is too large to publish. */
class CloudEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CloudEvents EVENTS = new CloudEvents(JSON);
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");
    private static final JsonSchema SCHEMA = schema();

    @Test
    void aBulkOfThousandsOfActionsIsCutToTheLimitAndSaysWhatWasLeftOut() {
        ObjectNode event = EVENTS.of(job("completed", null), actions(3_000));
        int before = CloudEvents.size(event);

        ObjectNode cut = EVENTS.cut(event, 64 * 1024, "too large");

        assertTrue(before > 64 * 1024, "the event as built: " + before);
        assertTrue(CloudEvents.size(cut) <= 64 * 1024, "cut: " + CloudEvents.size(cut));
        assertEquals(20, cut.path("data").path("actions").size());
        assertEquals("too large", cut.path("data").path("truncated").path("reason").asText());
        assertEquals(before, cut.path("data").path("truncated").path("original_bytes").asInt());
        assertEquals("actions (2980 of 3000 not listed)", cut.path("data").path("truncated").path("omitted").get(0).asText());
        assertEquals(event.path("id"), cut.path("id"), "the same event");
        assertEquals(List.of(), errors(cut));
    }

    @Test
    void whenEvenTheCutIsTooLargeOnlyTheAnswerIsLeft() {
        Failure failure = new Failure(Failure.Reason.API_ERROR, 404, "not_found", "m".repeat(5_000), "r-1");
        ObjectNode event = EVENTS.of(job("failed", failure), actions(30));

        ObjectNode bare = EVENTS.cut(event, 600, "too large");

        assertFalse(bare.path("data").has("actions"));
        assertEquals("failed", bare.path("data").path("outcome").asText());
        assertEquals("not_found", bare.path("data").path("error").path("id").asText());
        assertTrue(bare.path("data").path("error").path("message").asText().length() <= 201);
        assertEquals(List.of(), errors(bare));
    }

    private static List<String> errors(ObjectNode event) {
        return SCHEMA.validate(event).stream().map(Object::toString).toList();
    }

    private static JobView job(String outcome, Failure failure) {
        return new JobView(UUID.randomUUID(), "c-1", CommandType.TAG_ACTION.wireName(), CommandType.TAG_ACTION,
                "default", null, "web", JSON.createObjectNode().put("type", "power_off"),
                JobState.valueOf(outcome.toUpperCase()), outcome, 1, 0, null, T, null, T, T, T, T, T.plusSeconds(30),
                failure, null, null, null, null);
    }

    private static List<ActionView> actions(int count) {
        List<ActionView> actions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            actions.add(new ActionView(i, UUID.randomUUID(), 1_000_000L + i, 500_000L + i, "power_off", "completed", T,
                    T.plusSeconds(20), "droplet", "nyc3", 1, 0, null));
        }
        return actions;
    }

    private static JsonSchema schema() {
        try (InputStream in = CloudEventsTest.class.getResourceAsStream("/schemas/droplet-event.schema.json")) {
            SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in, config);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
