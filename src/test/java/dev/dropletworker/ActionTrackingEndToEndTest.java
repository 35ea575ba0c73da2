package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.budget.BudgetConfig;
import dev.dropletworker.budget.BudgetExhausted;
import dev.dropletworker.budget.RateBudget;
import dev.dropletworker.digitalocean.DigitalOcean;
import dev.dropletworker.digitalocean.DigitalOceanAccounts;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.TrackingLedger;
import dev.dropletworker.job.JobView;
import dev.dropletworker.testsupport.WorkerTestGround;
import dev.dropletworker.tools.ground.CommandBus;
import dev.dropletworker.tracking.ActionDurations;
import io.micrometer.core.instrument.MeterRegistry;
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

/**
 * How actions are followed: cheaply, through one read of the account's action list when several are
 * in flight, first read when actions of their type have lately been finishing, and ahead of new
 * work when the budget runs short.
 */
@QuarkusTest
class ActionTrackingEndToEndTest extends WorkerEndToEnd {

    @Inject
    EntityManager em;

    @Inject
    ActionDurations durations;

    @Inject
    TrackingLedger tracking;

    @Inject
    BudgetConfig budgetConfig;

    @Inject
    MeterRegistry metrics;

    @AfterEach
    void restoreActionDurations() {
        long usual = WorkerTestGround.ACTION_DURATION.toMillis();
        simulator.actionDurations(Map.of("reboot", usual, "power_off", usual, "shutdown", usual,
                "password_reset", usual, "power_cycle", usual, "disable_backups", usual, "enable_backups", usual));
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
        // for other actions can show it finished.
        keepPollsAnHourAway(loneJob.id());
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

    @Test
    void aTypesFirstPollComesWhenActionsOfThatTypeHaveLatelyBeenFinishing() {
        // A type no other test runs, so that its median is this test's alone.
        simulator.actionDurations(Map.of("password_reset", 2_500L));
        List<String> learning = new java.util.ArrayList<>();
        for (int i = 0; i < ActionDurations.MIN_SAMPLES; i++) {
            long droplet = simulator.seedDroplet("learn-" + UUID.randomUUID().toString().substring(0, 8));
            String commandId = CommandBus.newCommandId("learn");
            bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "password_reset"));
            learning.add(commandId);
        }
        learning.forEach(commandId -> assertEquals("completed",
                bus.awaitEvent(commandId, EVENT_TIMEOUT).path("data").path("outcome").asText()));

        durations.refresh();

        Duration median = durations.median("password_reset");
        assertTrue(median != null && median.compareTo(Duration.ofSeconds(2)) >= 0
                && median.compareTo(Duration.ofSeconds(3)) <= 0, "learned: " + median);
        long lone = simulator.seedDroplet("learned-" + UUID.randomUUID().toString().substring(0, 8));
        long since = simulator.lastSeq();
        String commandId = CommandBus.newCommandId("learned");
        bus.send(Long.toString(lone), actionCommand(commandId, lone, "password_reset"));
        assertEquals("completed", bus.awaitEvent(commandId, EVENT_TIMEOUT).path("data").path("outcome").asText());
        List<JsonNode> requests = simulator.requestsSince(since);
        JsonNode post = requests.stream().filter(r -> "POST".equals(r.path("method").asText())
                && r.path("path").asText().equals("/v2/droplets/" + lone + "/actions")).findFirst().orElseThrow();
        JsonNode firstRead = requests.stream().filter(r -> "GET".equals(r.path("method").asText())
                && r.path("path").asText().matches("/v2/actions/\\d+")).findFirst().orElseThrow();
        Duration untilFirstRead = Duration.between(Instant.parse(post.path("time").asText()),
                Instant.parse(firstRead.path("time").asText()));
        // Configured: 100 ms. Learned: the median, less at most the rounding of DigitalOcean's whole seconds.
        assertTrue(untilFirstRead.compareTo(Duration.ofMillis(1500)) >= 0, "first read after " + untilFirstRead);
    }

    @Test
    void oneReadOfTheAccountsListAtATimeServesTheDueActionsOfEveryPod() {
        simulator.actionDurations(Map.of("power_cycle", 500L));
        String tag = "shared-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < 6; i++) {
            simulator.seedDroplet(tag + "-" + i, tag);
        }
        // Another pod takes the account's list read and keeps it while it reads.
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> tracking.claimListRead(DigitalOceanAccounts.DEFAULT, Duration.ofMinutes(1)));
        long since = simulator.lastSeq();
        ObjectNode bulk = tagCommand("shared", tag, "power_cycle");
        String commandId = bulk.get("command_id").asText();
        bus.send(commandId, bulk.toString());
        Awaitility.await().atMost(EVENT_TIMEOUT).until(() -> jobs.findByCommandId(commandId).orElse(null),
                job -> job != null && job.state() == JobState.IN_PROGRESS);
        long started = simulator.lastSeq();

        // Every action of the bulk finishes in DigitalOcean meanwhile; this pod reads none of them:
        // the other pod's read serves them.
        Awaitility.await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
        assertEquals(List.of(), actionReads(since), "reads of the account's actions while another pod holds its read");
        assertEquals(JobState.IN_PROGRESS, jobs.findByCommandId(commandId).orElseThrow().state());

        tracking.listReadDone(DigitalOceanAccounts.DEFAULT, Duration.ZERO);
        JsonNode event = bus.awaitEvent(commandId, EVENT_TIMEOUT);

        assertEquals("completed", event.path("data").path("outcome").asText(), event.toString());
        assertEquals(List.of("/v2/actions"), actionReads(started), "one list read serves all six");
    }

    @Test
    void dueActionsBehindAPageOfNewerOnesAreReadFromTheirPageNotOneByOne() {
        // Types no other test runs: the medians these 212 actions teach the worker are this test's alone.
        simulator.actionDurations(Map.of("disable_backups", 4_000L, "enable_backups", 10_000L));
        String olderTag = "older-" + UUID.randomUUID().toString().substring(0, 8);
        // Two: a read for them takes one page.
        for (int i = 0; i < 2; i++) {
            simulator.seedDroplet(olderTag + "-" + i, olderTag);
        }
        JobView older = inProgressWithPollsAnHourAway(tagCommand("older", olderTag, "disable_backups"));
        // More actions started after these than one page of the account's list holds.
        String newerTag = "newer-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < DigitalOcean.ACTION_LIST_PAGE + 10; i++) {
            simulator.seedDroplet(newerTag + "-" + i, newerTag);
        }
        JobView newer = inProgressWithPollsAnHourAway(tagCommand("newer", newerTag, "enable_backups"));
        List<Long> olderActions = actionIdsOf(older.id());
        long since = simulator.lastSeq();

        pollNow(older.id());
        JsonNode event = bus.awaitEvent(older.commandId(), EVENT_TIMEOUT);

        assertEquals("completed", event.path("data").path("outcome").asText(), event.toString());
        List<JsonNode> reads = simulator.requestsSince(since).stream()
                .filter(r -> "GET".equals(r.path("method").asText()))
                .filter(r -> r.path("path").asText().startsWith("/v2/actions"))
                .toList();
        assertTrue(!reads.isEmpty() && reads.get(0).path("path").asText().equals("/v2/actions"), reads.toString());
        assertTrue(List.of(reads.get(0).path("query").asText().split("&")).contains("page=2"),
                "the read starts on the page where the due actions are: " + reads.get(0));
        olderActions.forEach(id -> assertTrue(
                reads.stream().noneMatch(r -> r.path("path").asText().equals("/v2/actions/" + id)),
                "action " + id + " was not read on its own: " + reads));

        pollNow(newer.id());
        JsonNode newerEvent = bus.awaitEvent(newer.commandId(), EVENT_TIMEOUT);
        assertEquals("completed", newerEvent.path("data").path("outcome").asText(), newerEvent.toString());
    }

    /** Sends the command, waits until its job is IN_PROGRESS and keeps its actions' next polls an hour away. */
    private JobView inProgressWithPollsAnHourAway(ObjectNode command) {
        String commandId = command.get("command_id").asText();
        bus.send(commandId, command.toString());
        JobView job = Awaitility.await().atMost(EVENT_TIMEOUT).until(() -> jobs.findByCommandId(commandId).orElse(null),
                found -> found != null && found.state() == JobState.IN_PROGRESS);
        keepPollsAnHourAway(job.id());
        return job;
    }

    /** Puts the next polls of the job's actions an hour away, again if a poll in flight overwrote one. */
    private void keepPollsAnHourAway(UUID jobId) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).until(() -> {
            boolean settled = everyPollIsAnHourAway(jobId);
            if (!settled) {
                pushNextPollAnHourAway(jobId);
            }
            return settled;
        });
    }

    @Test
    void actionsInFlightAreFollowedWhileNewWorkWaitsForTheBudget() {
        simulator.actionDurations(Map.of("power_cycle", 600L));
        long first = simulator.seedDroplet("started-" + UUID.randomUUID().toString().substring(0, 8));
        String firstCommand = CommandBus.newCommandId("started");
        bus.send(Long.toString(first), actionCommand(firstCommand, first, "power_cycle"));
        Awaitility.await().atMost(EVENT_TIMEOUT).until(() -> jobs.findByCommandId(firstCommand).orElse(null),
                job -> job != null && job.state() == JobState.IN_PROGRESS);
        // New work takes the minute up to the share it leaves to actions in flight.
        int taken = 0;
        try {
            while (taken <= budgetConfig.perMinute()) {
                budget.take(token, RateBudget.Purpose.NEW_WORK);
                taken++;
            }
        } catch (BudgetExhausted expected) {
            // saturated
        }
        // Dispatch remembers how long the budget is gone: taken 45 s ago, it comes back in 15.
        backdateTheBudget(Duration.ofSeconds(45));
        double dispatchWaits = budgetWaits("dispatch");
        double trackingWaits = budgetWaits("tracking");
        long since = simulator.lastSeq();
        Map<String, Long> waiting = new java.util.HashMap<>();
        for (int i = 0; i < 3; i++) {
            long droplet = simulator.seedDroplet("waiting-" + UUID.randomUUID().toString().substring(0, 8));
            String commandId = CommandBus.newCommandId("waiting");
            bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "power_cycle"));
            waiting.put(commandId, droplet);
        }

        JsonNode event = bus.awaitEvent(firstCommand, EVENT_TIMEOUT);

        assertEquals("completed", event.path("data").path("outcome").asText(), event.toString());
        assertEquals(trackingWaits, budgetWaits("tracking"), "tracking never waited for the budget");
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> budgetWaits("dispatch") > dispatchWaits);
        waiting.values().forEach(droplet -> assertEquals(List.of(), posts(since, "/v2/droplets/" + droplet + "/actions"),
                "new work waits for the budget"));
        // The minute's requests leave it 15 s after they were backdated; then the rest go out.
        waiting.keySet().forEach(commandId -> assertEquals("completed",
                bus.awaitEvent(commandId, EVENT_TIMEOUT.plusSeconds(20)).path("data").path("outcome").asText()));
    }

    /** The worker's reads of the account's actions (single or list) since {@code since}. */
    private List<String> actionReads(long since) {
        return simulator.requestsSince(since).stream()
                .filter(r -> "GET".equals(r.path("method").asText()))
                .map(r -> r.path("path").asText())
                .filter(p -> p.startsWith("/v2/actions"))
                .toList();
    }

    private double budgetWaits(String role) {
        var counter = metrics.find("dropletworker.budget.waits").tag("role", role).counter();
        return counter == null ? 0 : counter.count();
    }

    @Transactional
    void backdateTheBudget(Duration ago) {
        em.createNativeQuery("""
                update budget_request set at = now() - make_interval(secs => :ago)
                where token_key = encode(sha256(convert_to(:token, 'UTF8')), 'hex')
                  -- the requests still counted: those before the mark a take has counted out
                  and at > (select minute_mark from rate_budget where token_key = budget_request.token_key)""")
                .setParameter("ago", ago.toSeconds()).setParameter("token", token).executeUpdate();
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
    void pollNow(UUID jobId) {
        em.createNativeQuery("update job_action set next_poll_at = now() where job_id = :id and status = 'in-progress'")
                .setParameter("id", jobId)
                .executeUpdate();
    }

    @Transactional
    @SuppressWarnings("unchecked")
    List<Long> actionIdsOf(UUID jobId) {
        return ((List<Number>) em.createNativeQuery("select action_id from job_action where job_id = :id")
                .setParameter("id", jobId).getResultList()).stream().map(Number::longValue).toList();
    }

    /** Whether the job has actions in progress and the next poll of each is an hour away. */
    @Transactional
    boolean everyPollIsAnHourAway(UUID jobId) {
        return (Boolean) em.createNativeQuery("""
                select count(*) > 0 and count(*) filter (where next_poll_at < now() + interval '30 minutes') = 0
                from job_action where job_id = :id and status = 'in-progress'""")
                .setParameter("id", jobId)
                .getSingleResult();
    }

    private JsonNode send(ObjectNode command) {
        String commandId = command.get("command_id").asText();
        bus.send(commandId, command.toString());
        return bus.awaitEvent(commandId, EVENT_TIMEOUT);
    }
}
