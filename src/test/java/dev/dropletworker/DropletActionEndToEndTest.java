package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.dispatch.Dispatcher;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobView;
import dev.dropletworker.job.Transition;
import dev.dropletworker.tools.ground.CommandBus;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * One {@code droplet.action} command through the whole worker: real Kafka, real PostgreSQL, the
 * DigitalOcean simulator. Asserts what a producer sees (events, dead letters) and what an operator
 * sees (job rows), plus what reached the API.
 */
@QuarkusTest
class DropletActionEndToEndTest extends WorkerEndToEnd {

    @Inject
    Dispatcher dispatcher;

    @Inject
    EntityManager em;

    /**
     * Jobs of one account claimed together are sent together: their POSTs take their budget in one
     * take (and their sending marks in its transaction), and each is answered as a job sent alone.
     */
    @Test
    void jobsClaimedTogetherAreSentOnOneTakeOfTheBudget() {
        List<Long> droplets = List.of(simulator.seedDroplet("together-1"), simulator.seedDroplet("together-2"),
                simulator.seedDroplet("together-3"));
        long since = simulator.lastSeq();
        List<String> commandIds = new ArrayList<>();
        double before = QuarkusTransaction.requiringNew().call(() ->
                ((Number) em.createNativeQuery("select extract(epoch from now())").getSingleResult()).doubleValue());
        dispatcher.pause();
        try {
            for (long droplet : droplets) {
                String commandId = CommandBus.newCommandId("together");
                commandIds.add(commandId);
                bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "reboot"));
            }
            long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
            while (commandIds.stream().anyMatch(id -> jobs.findByCommandId(id).isEmpty())) {
                assertTrue(System.nanoTime() < deadline, "the commands were not all recorded");
                sleep(50);
            }
        } finally {
            dispatcher.resume();
        }

        for (String commandId : commandIds) {
            assertEquals("completed", bus.awaitEvent(commandId, EVENT_TIMEOUT).path("data").path("outcome").asText());
            JobView job = jobs.findByCommandId(commandId).orElseThrow();
            assertEquals(1, job.attempts());
            assertNotNull(job.sentAt());
        }
        for (long droplet : droplets) {
            assertEquals(1, posts(since, "/v2/droplets/" + droplet + "/actions").size(), "one POST each");
        }
        int largestTake = QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select coalesce(max(requests), 0) from budget_request where at >= to_timestamp(:before)")
                .setParameter("before", before).getSingleResult()).intValue());
        assertTrue(largestTake >= droplets.size(), "the three POSTs took their budget at once: " + largestTake);
    }

    @Test
    void powerOffCommandCompletesWithOneEvent() {
        long droplet = simulator.seedDroplet("web-power-off");
        long since = simulator.lastSeq();
        String commandId = CommandBus.newCommandId("power-off");

        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "power_off"));

        JsonNode event = bus.awaitEvent(commandId, EVENT_TIMEOUT);
        assertEquals("1.0", event.path("specversion").asText());
        assertEquals("dev.dropletworker.job.completed", event.path("type").asText());
        assertEquals(commandId, event.path("subject").asText());
        JsonNode data = event.path("data");
        assertEquals("completed", data.path("outcome").asText());
        assertEquals(droplet, data.path("droplet_id").asLong());
        JsonNode action = data.path("actions").path(0);
        assertEquals(1, data.path("actions").size());
        assertTrue(action.path("id").asLong() > 0);
        assertEquals("power_off", action.path("type").asText());
        assertEquals("completed", action.path("status").asText());
        assertFalse(action.path("started_at").isNull());
        assertFalse(action.path("completed_at").isNull());
        assertEquals(droplet, action.path("resource_id").asLong());

        JobView job = jobs.findByCommandId(commandId).orElseThrow();
        assertEquals(job.id().toString(), event.path("id").asText(), "event id is the job id");
        assertEquals(JobState.COMPLETED, job.state());
        assertEquals(List.of(JobState.RECEIVED, JobState.SUBMITTING, JobState.IN_PROGRESS, JobState.COMPLETED),
                jobs.transitionsOf(job.id()).stream().map(t -> t.toState()).toList());
        List<Transition> transitions = jobs.transitionsOf(job.id());
        for (int i = 1; i < transitions.size(); i++) {
            assertFalse(transitions.get(i).at().isBefore(transitions.get(i - 1).at()), "transitions are in time order");
        }
        assertNotNull(job.submittingAt());
        assertNotNull(job.inProgressAt());
        assertNotNull(job.finishedAt());

        List<JsonNode> posts = actionPosts(since, droplet);
        assertEquals(1, posts.size());
        assertEquals("power_off", posts.get(0).path("body").path("type").asText());
        assertEquals(201, posts.get(0).path("status").asInt());
        // The event's record is keyed by Droplet id, like the command.
        ConsumerRecord<String, byte[]> record = bus.events().stream()
                .filter(r -> new String(r.value()).contains(commandId)).findFirst().orElseThrow();
        assertEquals(Long.toString(droplet), record.key());
    }

    @Test
    void duplicateCommandIsExecutedOnce() {
        long droplet = simulator.seedDroplet("web-duplicate");
        long since = simulator.lastSeq();
        String commandId = CommandBus.newCommandId("duplicate");
        String command = actionCommand(commandId, droplet, "reboot");

        bus.send(Long.toString(droplet), command);
        bus.send(Long.toString(droplet), command);
        // Commands on one partition are read in order: once this one is answered, both copies were read.
        String marker = CommandBus.newCommandId("marker");
        bus.send(Long.toString(droplet), actionCommand(marker, droplet, "power_on"));

        bus.awaitEvent(commandId, EVENT_TIMEOUT);
        bus.awaitEvent(marker, EVENT_TIMEOUT);
        assertEquals(1, bus.eventsFor(commandId).size());
        assertEquals(1, actionPosts(since, droplet).stream()
                .filter(r -> "reboot".equals(r.path("body").path("type").asText())).count());
    }

    @Test
    void erroredActionGivesErroredEvent() {
        long droplet = simulator.seedDroplet("web-errored");
        simulator.nextActionOutcome(droplet, "errored");
        String commandId = CommandBus.newCommandId("errored");

        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "power_cycle"));

        JsonNode event = bus.awaitEvent(commandId, EVENT_TIMEOUT);
        assertEquals("dev.dropletworker.job.errored", event.path("type").asText());
        assertEquals("errored", event.path("data").path("outcome").asText());
        assertEquals("errored", event.path("data").path("actions").path(0).path("status").asText());
        assertTrue(event.path("data").path("error").isMissingNode(), "errored is DigitalOcean's verdict, not a failure");
    }

    @Test
    void missingDropletFailsWithTheApiError() {
        long missing = 987_654_321L;
        String commandId = CommandBus.newCommandId("missing");

        bus.send(Long.toString(missing), actionCommand(commandId, missing, "power_on"));

        JsonNode event = bus.awaitEvent(commandId, EVENT_TIMEOUT);
        assertEquals("dev.dropletworker.job.failed", event.path("type").asText());
        JsonNode error = event.path("data").path("error");
        assertEquals("api_error", error.path("reason").asText());
        assertEquals(404, error.path("http_status").asInt());
        assertEquals("not_found", error.path("id").asText());
        assertFalse(error.path("message").asText().isBlank());
        assertFalse(error.path("request_id").asText().isBlank());
        assertEquals(0, event.path("data").path("actions").size());
    }

    @Test
    void busyDropletIsRetriedNotFailed() {
        long droplet = simulator.seedDroplet("web-busy");
        String first = CommandBus.newCommandId("busy-first");
        String second = CommandBus.newCommandId("busy-second");
        // Two commands for one Droplet: the second waits for the first, so the API never sees both at once.
        bus.send(Long.toString(droplet), actionCommand(first, droplet, "shutdown"));
        bus.send(Long.toString(droplet), actionCommand(second, droplet, "power_on"));

        JsonNode a = bus.awaitEvent(first, EVENT_TIMEOUT);
        JsonNode b = bus.awaitEvent(second, EVENT_TIMEOUT);
        assertEquals("completed", a.path("data").path("outcome").asText());
        assertEquals("completed", b.path("data").path("outcome").asText());
        JobView firstJob = jobs.findByCommandId(first).orElseThrow();
        JobView secondJob = jobs.findByCommandId(second).orElseThrow();
        assertFalse(secondJob.submittingAt().isBefore(firstJob.finishedAt()), "second started after the first ended");
    }

    @Test
    void unreadableRecordsAreDeadLetteredAndTheConsumerGoesOn() {
        String notJson = "not json {" + CommandBus.newCommandId("x");
        String noCommandId = "{\"type\":\"droplet.action\",\"droplet_id\":1,\"action\":{\"type\":\"reboot\"},\"tag\":\""
                + CommandBus.newCommandId("x") + "\"}";
        bus.send("k1", notJson);
        bus.send("k2", noCommandId);

        ConsumerRecord<String, byte[]> first = bus.awaitDeadLetter(r -> new String(r.value()).equals(notJson),
                EVENT_TIMEOUT);
        ConsumerRecord<String, byte[]> second = bus.awaitDeadLetter(r -> new String(r.value()).equals(noCommandId),
                EVENT_TIMEOUT);
        assertTrue(CommandBus.header(first, "dead-letter-reason").contains("not valid JSON"));
        assertTrue(CommandBus.header(second, "dead-letter-reason").contains("command_id"));
        assertEquals("k1", first.key());

        long droplet = simulator.seedDroplet("web-after-dlq");
        String commandId = CommandBus.newCommandId("after-dlq");
        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "power_off"));
        assertEquals("completed", bus.awaitEvent(commandId, EVENT_TIMEOUT).path("data").path("outcome").asText());
    }

    @Test
    void invalidCommandIsRejectedWithEachProblem() {
        String commandId = CommandBus.newCommandId("invalid");
        long since = simulator.lastSeq();
        bus.send(commandId, "{\"command_id\":\"" + commandId
                + "\",\"type\":\"droplet.action\",\"droplet_id\":-4,\"action\":{\"type\":\"explode\"}}");

        JsonNode event = bus.awaitEvent(commandId, EVENT_TIMEOUT);
        assertEquals("dev.dropletworker.job.rejected", event.path("type").asText());
        List<String> pointers = event.path("data").path("problems").findValuesAsText("pointer");
        assertTrue(pointers.contains("/droplet_id"), pointers.toString());
        assertTrue(pointers.contains("/action/type"), pointers.toString());
        assertEquals(JobState.REJECTED, jobs.findByCommandId(commandId).orElseThrow().state());
        assertTrue(simulator.requestsSince(since).stream()
                .noneMatch(r -> r.path("path").asText().contains("/actions")
                        && r.path("body").path("type").asText().equals("explode")));
    }

    @Test
    void accountSelectsTheTokenAndARefusedTokenFailsWithoutLeakingIt() {
        long droplet = simulator.seedDroplet("web-team-b");
        String commandId = CommandBus.newCommandId("team-b");
        bus.send(Long.toString(droplet), "{\"command_id\":\"" + commandId + "\",\"account\":\"team-b\","
                + "\"type\":\"droplet.action\",\"droplet_id\":" + droplet + ",\"action\":{\"type\":\"reboot\"}}");

        JsonNode event = bus.awaitEvent(commandId, EVENT_TIMEOUT);
        assertEquals("failed", event.path("data").path("outcome").asText(), event.toString());
        assertEquals("team-b", event.path("data").path("account").asText());
        assertEquals(401, event.path("data").path("error").path("http_status").asInt());
        assertEquals("unauthorized", event.path("data").path("error").path("id").asText());
        assertFalse(event.toString().contains("dop_v1_unknown-to-the-simulator"));
        JobView job = jobs.findByCommandId(commandId).orElseThrow();
        assertFalse(String.valueOf(job.error()).contains("dop_v1_"));
    }

    @Test
    void unknownAccountIsRejected() {
        String commandId = CommandBus.newCommandId("no-account");
        bus.send("1", "{\"command_id\":\"" + commandId + "\",\"account\":\"nobody\","
                + "\"type\":\"droplet.action\",\"droplet_id\":1,\"action\":{\"type\":\"reboot\"}}");

        JsonNode event = bus.awaitEvent(commandId, EVENT_TIMEOUT);
        assertEquals("rejected", event.path("data").path("outcome").asText());
        assertEquals("/account", event.path("data").path("problems").path(0).path("pointer").asText());
    }

    private List<JsonNode> actionPosts(long since, long droplet) {
        return posts(since, "/v2/droplets/" + droplet + "/actions");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
