package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.job.ActionView;
import dev.dropletworker.job.CommandType;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobView;
import dev.dropletworker.job.NewJob;
import dev.dropletworker.job.RecordOrigin;
import dev.dropletworker.job.Transition;
import dev.dropletworker.simulator.SimulatorControl;
import dev.dropletworker.simulator.SimulatorControl.ApiEndpoint;
import dev.dropletworker.testsupport.WorkerTestGround;
import dev.dropletworker.tools.ground.CommandBus;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every job ends, right: the worker never runs two of its own actions on one Droplet (tag actions
 * included), long actions are given their time and keep their Droplet while they run on, and
 * every state has a way out that ends in an event.
 */
@QuarkusTest
class EveryJobEndsEndToEndTest extends WorkerEndToEnd {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    EntityManager em;

    @AfterEach
    void restore() {
        long usual = WorkerTestGround.ACTION_DURATION.toMillis();
        simulator.actionDurations(Map.of("reboot", usual, "change_kernel", usual, "shutdown", usual));
        simulator.clearFaults();
        simulator.clearFaultScript();
    }

    @Test
    void aTagActionAndIdActionsOnItsDropletsRunOneAtATimeInTheOrderTheyWereRecorded() {
        String tag = "mixed-" + UUID.randomUUID().toString().substring(0, 8);
        long first = simulator.seedDroplet(tag + "-1", tag);
        long second = simulator.seedDroplet(tag + "-2", tag);
        simulator.seedDroplet(tag + "-3", tag);
        simulator.actionDurations(Map.of("reboot", 1_000L));
        long since = simulator.lastSeq();

        String reboot = CommandBus.newCommandId("reboot-first");
        bus.send(Long.toString(first), actionCommand(reboot, first, "reboot"));
        ObjectNode bulk = tagCommand("bulk", tag, "power_off");
        String bulkId = bulk.get("command_id").asText();
        bus.send(bulkId, bulk.toString());
        String powerOn = CommandBus.newCommandId("power-on-after");
        bus.send(Long.toString(second), actionCommand(powerOn, second, "power_on"));

        for (String commandId : List.of(reboot, bulkId, powerOn)) {
            JsonNode event = bus.awaitEvent(commandId, EVENT_TIMEOUT);
            assertEquals("completed", event.path("data").path("outcome").asText(), event.toString());
        }
        JobView rebootJob = jobs.findByCommandId(reboot).orElseThrow();
        JobView bulkJob = jobs.findByCommandId(bulkId).orElseThrow();
        JobView powerOnJob = jobs.findByCommandId(powerOn).orElseThrow();
        assertFalse(bulkJob.sentAt().isBefore(rebootJob.finishedAt()), "the bulk waited for the reboot on its Droplet");
        assertFalse(powerOnJob.sentAt().isBefore(bulkJob.finishedAt()), "the id action waited for the earlier bulk");
        assertEquals(List.of(), answers(since, "/v2/droplets/actions", 422), "the bulk never met a busy Droplet");
        assertEquals(List.of(), answers(since, "/v2/droplets/" + first + "/actions", 422));
        assertEquals(List.of(), answers(since, "/v2/droplets/" + second + "/actions", 422));
    }

    @Test
    void aTagActionOnADropletBusyWithSomeoneElsesActionWaitsAndCompletes() {
        String tag = "busy-tag-" + UUID.randomUUID().toString().substring(0, 8);
        long busy = simulator.seedDroplet(tag + "-1", tag);
        simulator.seedDroplet(tag + "-2", tag);
        simulator.actionDurations(Map.of("reboot", 2_000L));
        long since = simulator.lastSeq();
        startActionAsAnotherClient(busy, "reboot");
        ObjectNode bulk = tagCommand("busy-bulk", tag, "power_off");
        String commandId = bulk.get("command_id").asText();

        bus.send(commandId, bulk.toString());
        JsonNode data = bus.awaitEvent(commandId, EVENT_TIMEOUT).path("data");

        assertEquals("completed", data.path("outcome").asText(), data.toString());
        assertEquals(2, data.path("actions").size());
        assertFalse(answers(since, "/v2/droplets/actions", 422).isEmpty(),
                "DigitalOcean answered 'blocking events' while the other action ran, and the worker waited");
    }

    @Test
    void aLostAnswerOnTheLastAttemptIsLookedUpAndItsActionFollowed() {
        long droplet = simulator.seedDroplet("last-" + UUID.randomUUID().toString().substring(0, 8));
        simulator.scriptFaults(
                SimulatorControl.ScriptedFault.serverError(ApiEndpoint.POST_DROPLET_ACTION).status(503)
                        .forDroplet(droplet).times(4),
                SimulatorControl.ScriptedFault.appliedButLost(ApiEndpoint.POST_DROPLET_ACTION).forDroplet(droplet));
        String commandId = CommandBus.newCommandId("last-attempt");
        long since = simulator.lastSeq();

        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "reboot"));
        JsonNode data = bus.awaitEvent(commandId, Duration.ofSeconds(60)).path("data");

        assertEquals("completed", data.path("outcome").asText(), data.toString());
        assertEquals(5, data.path("attempts").asInt());
        assertEquals(5, posts(since, "/v2/droplets/" + droplet + "/actions").size(), "no sixth POST: it was found");
        assertEquals("reboot", data.path("actions").path(0).path("type").asText());
    }

    @Test
    void aTagActionWhoseLastAttemptsAnswerIsLostIsLookedUpToo() {
        String tag = "last-tag-" + UUID.randomUUID().toString().substring(0, 8);
        simulator.seedDroplet(tag + "-1", tag);
        simulator.seedDroplet(tag + "-2", tag);
        simulator.scriptFaults(
                SimulatorControl.ScriptedFault.serverError(ApiEndpoint.POST_TAG_ACTION).forTag(tag).times(4),
                SimulatorControl.ScriptedFault.appliedButLostReset(ApiEndpoint.POST_TAG_ACTION).forTag(tag));
        ObjectNode bulk = tagCommand("last-bulk", tag, "power_off");
        String commandId = bulk.get("command_id").asText();
        long since = simulator.lastSeq();

        bus.send(commandId, bulk.toString());
        JsonNode data = bus.awaitEvent(commandId, Duration.ofSeconds(60)).path("data");

        assertEquals("completed", data.path("outcome").asText(), data.toString());
        assertEquals(2, data.path("actions").size());
        assertEquals(5, posts(since, "/v2/droplets/actions").size());
    }

    @Test
    void aMultiCreateThatWentThroughInPartCreatesOnlyTheMissingNames() {
        ObjectNode command = createCommand("part-" + UUID.randomUUID().toString().substring(0, 8), 5);
        String commandId = command.get("command_id").asText();
        simulator.scriptFaults(SimulatorControl.ScriptedFault.partialCreate(3));
        long since = simulator.lastSeq();

        bus.send(commandId, command.toString());
        JsonNode event = bus.awaitEvent(commandId, Duration.ofSeconds(60));

        JsonNode data = event.path("data");
        assertEquals("completed", data.path("outcome").asText(), event.toString());
        assertEquals(5, data.path("droplets").size());
        List<JsonNode> creates = posts(since, "/v2/droplets");
        assertEquals(2, creates.size(), "the partial create, then one for the two names it did not make");
        JsonNode names = command.path("droplet").path("names");
        assertEquals(JSON.createArrayNode().add(names.get(3)).add(names.get(4)), creates.get(1).path("body").path("names"));
        String jobTag = "droplet-worker:job-" + event.path("id").asText();
        assertEquals(5, simulator.accounting().path("droplets_created_per_tag").path(jobTag).asInt(),
                "each name once");
    }

    @Test
    void aResizeOfAPoweredOnDropletFailsWithDigitalOceansAnswer() {
        long droplet = simulator.seedDroplet("on-" + UUID.randomUUID().toString().substring(0, 8));
        String commandId = CommandBus.newCommandId("resize-on");

        bus.send(Long.toString(droplet), "{\"command_id\":\"" + commandId + "\",\"type\":\"droplet.action\","
                + "\"droplet_id\":" + droplet + ",\"action\":{\"type\":\"resize\",\"size\":\"s-2vcpu-4gb\"}}");
        JsonNode data = bus.awaitEvent(commandId, EVENT_TIMEOUT).path("data");

        assertEquals("failed", data.path("outcome").asText(), data.toString());
        assertEquals("api_error", data.path("error").path("reason").asText());
        assertEquals(422, data.path("error").path("http_status").asInt());
        assertEquals("Droplet is currently on. Please power it off to run this event.",
                data.path("error").path("message").asText());
    }

    @Test
    void anActionPastItsTypesTimeoutFailsItsJobAndHoldsItsDropletUntilItEnds() {
        // The test profile gives change_kernel a 1.5 s timeout; DigitalOcean takes 4 s here.
        simulator.actionDurations(Map.of("change_kernel", 4_000L));
        long droplet = simulator.seedDroplet("slow-" + UUID.randomUUID().toString().substring(0, 8));
        long since = simulator.lastSeq();
        String slow = CommandBus.newCommandId("slow-kernel");
        bus.send(Long.toString(droplet), "{\"command_id\":\"" + slow + "\",\"type\":\"droplet.action\",\"droplet_id\":"
                + droplet + ",\"action\":{\"type\":\"change_kernel\",\"kernel\":12345}}");
        String next = CommandBus.newCommandId("after-timeout");
        bus.send(Long.toString(droplet), actionCommand(next, droplet, "power_cycle"));

        JsonNode timedOut = bus.awaitEvent(slow, EVENT_TIMEOUT).path("data");
        JsonNode after = bus.awaitEvent(next, EVENT_TIMEOUT).path("data");

        assertEquals("failed", timedOut.path("outcome").asText(), timedOut.toString());
        assertEquals("tracking_timeout", timedOut.path("error").path("reason").asText());
        assertEquals("completed", after.path("outcome").asText(), after.toString());
        assertEquals(List.of(), answers(since, "/v2/droplets/" + droplet + "/actions", 422),
                "the next command waited for the action that outran its timeout");
        UUID slowJob = jobs.findByCommandId(slow).orElseThrow().id();
        ActionView kernel = Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> jobs.actionsOf(slowJob).get(0), ActionView::completed);
        assertTrue(jobs.findByCommandId(next).orElseThrow().sentAt().isAfter(kernel.completedAt().minusSeconds(1)),
                "sent once DigitalOcean showed the first action finished");
    }

    @Test
    void aCreateWhoseLastLooksKeepFailingEndsFailedWithItsEvent() {
        // Every create and every listing by tag fails: the create cannot be confirmed nor found.
        simulator.faults(Map.of("server_error_rate", 1, "endpoints", List.of("POST /v2/droplets", "GET /v2/droplets")));
        ObjectNode command = createCommand("never-found-" + UUID.randomUUID().toString().substring(0, 8), 1);
        String commandId = command.get("command_id").asText();

        bus.send(commandId, command.toString());
        JsonNode data = bus.awaitEvent(commandId, Duration.ofSeconds(60)).path("data");

        assertEquals("failed", data.path("outcome").asText(), data.toString());
        assertEquals("retries_exhausted", data.path("error").path("reason").asText());
        assertEquals(500, data.path("error").path("http_status").asInt());
    }

    @Test
    void aCreateWhoseAccountLostItsTokenAfterIntakeFailsWithItsEvent() {
        String commandId = CommandBus.newCommandId("orphan-create");
        ObjectNode droplet = JSON.createObjectNode().put("name", "orphan").put("size", "s-1vcpu-1gb")
                .put("image", "ubuntu-24-04-x64");
        // Taken in while the account had a token; the token is gone now.
        QuarkusTransaction.requiringNew().run(() -> jobs.record(NewJob.accepted(CommandType.CREATE, commandId,
                "retired", null, null, droplet, new RecordOrigin("test", 0, 0))));

        JsonNode data = bus.awaitEvent(commandId, EVENT_TIMEOUT).path("data");

        assertEquals("failed", data.path("outcome").asText(), data.toString());
        assertEquals("account_unavailable", data.path("error").path("reason").asText());
        assertTrue(data.path("error").path("message").asText().contains("'retired'"));
    }

    /** Claimed in one round, so sent together were there a token: each fails on its own, with its event. */
    @Test
    void createsClaimedTogetherWhoseAccountLostItsTokenEachFailWithTheirEvent() {
        List<String> commandIds = List.of(CommandBus.newCommandId("orphans"), CommandBus.newCommandId("orphans"));
        ObjectNode droplet = JSON.createObjectNode().put("name", "orphan").put("size", "s-1vcpu-1gb")
                .put("image", "ubuntu-24-04-x64");
        QuarkusTransaction.requiringNew().run(() -> jobs.recordAll(commandIds.stream()
                .map(id -> NewJob.accepted(CommandType.CREATE, id, "retired", null, null, droplet,
                        new RecordOrigin("test", 0, 0)))
                .toList()));

        for (String commandId : commandIds) {
            JsonNode data = bus.awaitEvent(commandId, EVENT_TIMEOUT).path("data");
            assertEquals("failed", data.path("outcome").asText(), data.toString());
            assertEquals("account_unavailable", data.path("error").path("reason").asText());
        }
    }

    @Test
    void aRunningJobWhoseAccountLostItsTokenFailsWithItsEvent() {
        simulator.actionDurations(Map.of("shutdown", 20_000L));
        long droplet = simulator.seedDroplet("orphaned-" + UUID.randomUUID().toString().substring(0, 8));
        String commandId = CommandBus.newCommandId("orphan-running");
        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "shutdown"));
        JobView running = Awaitility.await().atMost(EVENT_TIMEOUT)
                .until(() -> jobs.findByCommandId(commandId).orElse(null),
                        j -> j != null && j.state() == JobState.IN_PROGRESS);
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "update job set account = 'retired' where id = :id").setParameter("id", running.id()).executeUpdate());

        JsonNode data = bus.awaitEvent(commandId, EVENT_TIMEOUT).path("data");

        assertEquals("failed", data.path("outcome").asText(), data.toString());
        assertEquals("account_unavailable", data.path("error").path("reason").asText());
    }

    @Test
    void aJobWaitingOutABusyDropletRecordsItsWaitOnce() {
        simulator.actionDurations(Map.of("reboot", 5_000L));
        long droplet = simulator.seedDroplet("patient-" + UUID.randomUUID().toString().substring(0, 8));
        long since = simulator.lastSeq();
        startActionAsAnotherClient(droplet, "reboot"); // the worker does not know: it meets 422s
        String commandId = CommandBus.newCommandId("patient");

        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "power_on"));
        JsonNode event = bus.awaitEvent(commandId, EVENT_TIMEOUT);

        assertEquals("completed", event.path("data").path("outcome").asText(), event.toString());
        JobView job = jobs.findByCommandId(commandId).orElseThrow();
        List<Transition> history = jobs.transitionsOf(job.id());
        long busyAnswers = answers(since, "/v2/droplets/" + droplet + "/actions", 422).size();
        assertTrue(busyAnswers >= 3, "the Droplet was busy for several claims: " + busyAnswers);
        assertEquals(1, history.stream().filter(t -> "Droplet has a pending event".equals(t.detail())).count(),
                "one record of the wait, not one per retry: " + history);
        assertTrue(history.stream().anyMatch(t -> t.detail() != null && t.detail().contains("waits (Droplet has a pending event)")),
                history.toString());
        for (int i = 1; i < history.size(); i++) {
            assertFalse(history.get(i).at().isBefore(history.get(i - 1).at()), "transitions are in time order");
        }
    }

    @Test
    void aNewDropletThatStill404sIsReadAgainBackingOff() {
        simulator.faults(Map.of("not_found_after_create_ms", 2_000));
        String name = "late-" + UUID.randomUUID().toString().substring(0, 8);
        ObjectNode command = createCommand(name, 1);
        String commandId = command.get("command_id").asText();
        long since = simulator.lastSeq();

        bus.send(commandId, command.toString());
        JsonNode droplet = bus.awaitEvent(commandId, EVENT_TIMEOUT).path("data").path("droplets").path(0);

        assertEquals("active", droplet.path("status").asText(), droplet.toString());
        long reads = simulator.requestsSince(since).stream()
                .filter(r -> r.path("path").asText().equals("/v2/droplets/" + droplet.path("id").asLong())).count();
        // Every 100 ms for 2 s would be about 20; backing off to the 300 ms cap, about 8.
        assertTrue(reads <= 12, "final reads of a Droplet that 404s back off: " + reads);
    }
}
