package dev.dropletworker;

import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.tools.ground.CommandBus;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The job list and the job view through HTTP: every filter, keyset paging over several pages, the
 * page-size cap, counts, and a job with its actions, Droplets and transitions.
 */
@QuarkusTest
class JobListApiEndToEndTest extends OperatorApiEndToEnd {

    @Test
    void cursorPagingWalksEveryMatchingJobNewestFirstWithoutRepeats() {
        long droplet = simulator.seedDroplet("paging");
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String commandId = CommandBus.newCommandId("page-" + i);
            bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "reboot"));
            sent.add(commandId);
        }
        sent.forEach(OperatorApiEndToEnd::awaitJob);

        List<String> seen = new ArrayList<>();
        List<Instant> times = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            RequestSpecification request = reader().queryParam("droplet_id", droplet).queryParam("limit", 2);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            JsonNode page = json(request.get("/api/v1/jobs").then().statusCode(200).extract().response());
            assertTrue(page.path("jobs").size() <= 2);
            page.path("jobs").forEach(j -> {
                seen.add(j.path("command_id").asText());
                times.add(Instant.parse(j.path("received_at").asText()));
            });
            cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
            pages++;
        } while (cursor != null && pages < 10);

        assertEquals(3, pages, "5 jobs, 2 a page");
        assertEquals(5, new HashSet<>(seen).size(), "no job twice");
        assertEquals(Set.copyOf(sent), Set.copyOf(seen));
        for (int i = 1; i < times.size(); i++) {
            assertFalse(times.get(i).isAfter(times.get(i - 1)), "newest first");
        }
    }

    @Test
    void aPageIsCappedAndABadCursorOrFilterIsABadRequest() {
        reader().queryParam("limit", 100_000).get("/api/v1/jobs").then().statusCode(200).body("limit", is(200));
        reader().get("/api/v1/jobs").then().statusCode(200).body("limit", is(50));
        reader().queryParam("cursor", "not-a-cursor").get("/api/v1/jobs").then().statusCode(400)
                .body("error", is("bad_request"));
        reader().queryParam("state", "sleeping").get("/api/v1/jobs").then().statusCode(400);
        reader().queryParam("received_after", "yesterday").get("/api/v1/jobs").then().statusCode(400);
        reader().queryParam("limit", 0).get("/api/v1/jobs").then().statusCode(400);
    }

    @Test
    void everyFilterSelectsItsJobs() {
        String tag = "list-" + UUID.randomUUID().toString().substring(0, 8);
        long tagged1 = simulator.seedDroplet(tag + "-a", tag);
        long tagged2 = simulator.seedDroplet(tag + "-b", tag);
        long own = simulator.seedDroplet(tag + "-own");

        String actionId = CommandBus.newCommandId("list-action");
        bus.send(Long.toString(own), accountCommand(actionId, SECOND_ACCOUNT, own, "power_off"));
        ObjectNode tagCommand = tagCommand("list-tag", tag, "power_on");
        String tagJobCommand = tagCommand.path("command_id").asText();
        bus.send(tagJobCommand, tagCommand.toString());
        // The create carries the tag too: it goes once the tag action has listed its Droplets. Sent
        // at once, which runs first is not fixed (they act on different Droplets), and a tag action
        // after it would act on the new Droplet as well.
        JsonNode tagged = bus.awaitEvent(tagJobCommand, EVENT_TIMEOUT);
        ObjectNode create = createCommand(tag + "-new", 1);
        ((ObjectNode) create.get("droplet")).putArray("tags").add(tag);
        String createId = create.path("command_id").asText();
        bus.send(createId, create.toString());
        String failedId = CommandBus.newCommandId("list-failed");
        long missing = 800_000_000L + (System.nanoTime() % 1_000_000);
        bus.send(Long.toString(missing), actionCommand(failedId, missing, "reboot"));

        JsonNode action = bus.awaitEvent(actionId, EVENT_TIMEOUT);
        JsonNode created = bus.awaitEvent(createId, EVENT_TIMEOUT);
        bus.awaitEvent(failedId, EVENT_TIMEOUT);
        long createdDroplet = created.path("data").path("droplets").path(0).path("id").asLong();
        assertEquals("completed", tagged.path("data").path("outcome").asText(), tagged.toString());

        // Droplet: the job's own, a tag action's Droplet, a create's new Droplet.
        assertEquals(List.of(actionId), commandIds(Map.of("droplet_id", own)));
        assertEquals(List.of(tagJobCommand), commandIds(Map.of("droplet_id", tagged1)));
        assertEquals(List.of(tagJobCommand), commandIds(Map.of("droplet_id", tagged2)));
        assertEquals(List.of(createId), commandIds(Map.of("droplet_id", createdDroplet)));
        // Tag: a tag action's tag, a tag of a create request.
        assertEquals(List.of(createId, tagJobCommand), commandIds(Map.of("tag", tag)));
        // Command type, together with another filter.
        assertEquals(List.of(tagJobCommand), commandIds(Map.of("tag", tag, "type", "droplet.tag_action")));
        assertEquals(List.of(createId), commandIds(Map.of("tag", tag, "type", "droplet.create")));
        // Account.
        assertEquals(List.of(actionId), commandIds(Map.of("droplet_id", own, "account", SECOND_ACCOUNT)));
        assertEquals(List.of(), commandIds(Map.of("droplet_id", own, "account", "default")));
        // State and outcome.
        assertEquals(List.of(failedId), commandIds(Map.of("droplet_id", missing, "state", "failed")));
        assertEquals(List.of(failedId), commandIds(Map.of("droplet_id", missing, "outcome", "failed")));
        assertEquals(List.of(), commandIds(Map.of("droplet_id", missing, "outcome", "completed")));
        assertEquals(List.of(actionId), commandIds(Map.of("droplet_id", own, "state", "completed")));
        // Time range: received at or after, and before.
        Instant receivedAt = Instant.parse(action.path("data").path("received_at").asText());
        assertEquals(List.of(actionId), commandIds(Map.of("droplet_id", own, "received_after", receivedAt.toString())));
        assertEquals(List.of(), commandIds(Map.of("droplet_id", own,
                "received_after", receivedAt.plusMillis(1).toString())));
        assertEquals(List.of(), commandIds(Map.of("droplet_id", own, "received_before", receivedAt.toString())));
        assertEquals(List.of(actionId), commandIds(Map.of("droplet_id", own,
                "received_before", receivedAt.plusMillis(1).toString())));
    }

    @Test
    void aJobIsShownWithItsActionsDropletsAndTransitionsByIdAndByCommandId() {
        ObjectNode create = createCommand("list-detail-" + UUID.randomUUID().toString().substring(0, 8), 2);
        ((ObjectNode) create.get("droplet")).put("user_data", "#!/bin/sh\necho secret-bootstrap-token\n");
        String commandId = create.path("command_id").asText();
        bus.send(commandId, create.toString());
        String jobId = bus.awaitEvent(commandId, EVENT_TIMEOUT).path("data").path("job_id").asText();

        JsonNode byCommand = json(reader().get("/api/v1/jobs/by-command-id/{c}", commandId).then().statusCode(200)
                .extract().response());
        JsonNode byId = json(reader().get("/api/v1/jobs/{id}", jobId).then().statusCode(200).extract().response());
        assertEquals(byId, byCommand);
        assertEquals("completed", byId.path("state").asText());
        assertEquals(jobId, byId.path("event_id").asText());
        assertEquals(2, byId.path("actions").size());
        assertEquals("create", byId.path("actions").path(0).path("type").asText());
        assertEquals(2, byId.path("droplets").size());
        assertNotNull(byId.path("droplets").path(0).path("networks").path("v4"));
        // A wait for budget or a busy API may add received/submitting rounds in between.
        List<String> states = byId.path("transitions").findValuesAsText("to");
        assertEquals("received", states.get(0));
        assertEquals(List.of("submitting", "in_progress", "completed"), states.subList(states.size() - 3, states.size()));
        assertTrue(byId.path("transitions").path(0).path("from").isNull());
        for (int i = 1; i < states.size(); i++) {
            assertFalse(Instant.parse(byId.path("transitions").get(i).path("at").asText())
                    .isBefore(Instant.parse(byId.path("transitions").get(i - 1).path("at").asText())), "in time order");
        }
        assertFalse(byId.toString().contains("secret-bootstrap-token"), "user_data is not shown");
        assertEquals(1, byId.path("attempts").asInt());
        reader().get("/api/v1/jobs/by-command-id/{c}", "no-such-command").then().statusCode(404);
        reader().get("/api/v1/jobs/{id}", UUID.randomUUID()).then().statusCode(404);
    }

    @Test
    void countsListEveryStateAndOutcome() {
        JsonNode counts = json(reader().get("/api/v1/jobs/counts").then().statusCode(200).extract().response());
        for (String state : List.of("received", "submitting", "in_progress", "completed", "errored", "failed",
                "rejected", "cancelled")) {
            assertTrue(counts.path("by_state").has(state), state);
        }
        for (String outcome : List.of("completed", "errored", "failed", "rejected", "cancelled")) {
            assertTrue(counts.path("by_outcome").has(outcome), outcome);
        }
        long sum = 0;
        for (JsonNode n : counts.path("by_state")) {
            sum += n.asLong();
        }
        assertEquals(counts.path("total").asLong(), sum);
        assertTrue(counts.path("total").asLong() >= counts.path("by_outcome").path("completed").asLong());
    }

    private static List<String> commandIds(Map<String, Object> filters) {
        JsonNode page = json(reader().queryParams(filters).get("/api/v1/jobs").then().statusCode(200).extract()
                .response());
        List<String> ids = new ArrayList<>();
        page.path("jobs").forEach(j -> ids.add(j.path("command_id").asText()));
        return ids;
    }
}
