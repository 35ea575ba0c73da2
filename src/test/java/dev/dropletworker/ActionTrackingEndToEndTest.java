package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobView;
import dev.dropletworker.testsupport.WorkerTestGround;
import dev.dropletworker.tools.ground.CommandBus;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How actions are followed: cheaply, through the account's action list when several are in flight. */
@QuarkusTest
class ActionTrackingEndToEndTest extends WorkerEndToEnd {

    @Inject
    EntityManager em;

    @AfterEach
    void restoreActionDurations() {
        long usual = WorkerTestGround.ACTION_DURATION.toMillis();
        simulator.actionDurations(Map.of("reboot", usual, "power_off", usual, "shutdown", usual));
    }

    @Test
    void aBulkIsFollowedThroughTheAccountsActionListNotOneReadPerAction() {
        String tag = "wide-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < 12; i++) {
            simulator.seedDroplet(tag + "-" + i, tag);
        }
        long since = simulator.lastSeq();

        JsonNode data = send(tagCommand("wide", tag, "shutdown")).path("data");

        assertEquals("completed", data.path("outcome").asText(), data.toString());
        assertEquals(12, data.path("actions").size());
        List<String> reads = simulator.requestsSince(since).stream()
                .filter(r -> "GET".equals(r.path("method").asText()))
                .map(r -> r.path("path").asText())
                .filter(p -> p.startsWith("/v2/actions"))
                .toList();
        assertEquals("/v2/actions", reads.get(0), "the first look at twelve new actions is one list read: " + reads);
        // One read per action at least, polled singly; a few rounds of list reads (and single reads
        // for the last one or two) here.
        assertTrue(reads.size() <= 6, "tracking reads: " + reads);
    }

    @Test
    void anActionNotYetDueIsSeenFinishedInAListReadMadeForOthers() {
        simulator.actionDurations(Map.of("reboot", 3_000L, "power_off", 6_000L));
        long lone = simulator.seedDroplet("lone-" + UUID.randomUUID().toString().substring(0, 8));
        String loneCommand = CommandBus.newCommandId("lone");
        bus.send(Long.toString(lone), actionCommand(loneCommand, lone, "reboot"));
        JobView loneJob = Awaitility.await().atMost(EVENT_TIMEOUT)
                .until(() -> jobs.findByCommandId(loneCommand).orElse(null),
                        job -> job != null && job.state() == JobState.IN_PROGRESS);
        // Its next poll an hour away, as for a long action late in its doubling: only a read made
        // for other actions can show it finished. (Set again if a poll in flight overwrote it.)
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).until(() -> {
            boolean settled = nextPollIsAnHourAway(loneJob.id());
            if (!settled) {
                pushNextPollAnHourAway(loneJob.id());
            }
            return settled;
        });
        String tag = "others-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < 3; i++) {
            simulator.seedDroplet(tag + "-" + i, tag);
        }
        ObjectNode bulk = tagCommand("others", tag, "power_off");
        bus.send(bulk.get("command_id").asText(), bulk.toString());

        // The reboot ends about 3 s in; the bulk's actions are polled, by list, until about 6 s in.
        JsonNode loneEvent = bus.awaitEvent(loneCommand, Duration.ofSeconds(20));

        assertEquals("completed", loneEvent.path("data").path("outcome").asText(), loneEvent.toString());
        JsonNode bulkEvent = bus.awaitEvent(bulk.get("command_id").asText(), EVENT_TIMEOUT);
        assertTrue(Instant.parse(bulkEvent.path("time").asText()).isAfter(Instant.parse(loneEvent.path("time").asText())),
                "the lone reboot was seen finished while the bulk was still being followed");
    }

    @Transactional
    void pushNextPollAnHourAway(UUID jobId) {
        em.createNativeQuery("""
                update job_action set next_poll_at = now() + interval '1 hour'
                where job_id = :id and status = 'in-progress'""")
                .setParameter("id", jobId)
                .executeUpdate();
    }

    @Transactional
    boolean nextPollIsAnHourAway(UUID jobId) {
        return !em.createNativeQuery("""
                select 1 from job_action
                where job_id = :id and status = 'in-progress' and next_poll_at > now() + interval '30 minutes'""")
                .setParameter("id", jobId)
                .getResultList().isEmpty();
    }

    private JsonNode send(ObjectNode command) {
        String commandId = command.get("command_id").asText();
        bus.send(commandId, command.toString());
        return bus.awaitEvent(commandId, EVENT_TIMEOUT);
    }
}
