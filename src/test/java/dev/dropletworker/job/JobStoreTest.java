package dev.dropletworker.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropletworker.digitalocean.Action;
import dev.dropletworker.dispatch.Dispatcher;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.query.spi.QueryInterpretationCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The claiming SQL against real PostgreSQL. The application's own dispatcher shares the database,
 * so it is paused while these tests claim.
 */
@QuarkusTest
class JobStoreTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final RecordOrigin ORIGIN = new RecordOrigin("test", 0, 0);

    @Inject
    JobStore jobs;

    @Inject
    EntityManager em;

    @Inject
    Dispatcher dispatcher;

    @Inject
    TrackingLedger tracking;

    @Inject
    JobQueries queries;

    @BeforeEach
    void pauseTheWorkersOwnDispatcher() {
        dispatcher.pause();
    }

    @AfterEach
    void removeTestJobsAndResume() {
        // The worker must not find these later: their command type is not one it can send.
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("delete from job_transition where job_id in "
                    + "(select id from job where command_type = 'test.parked')").executeUpdate();
            em.createNativeQuery("delete from outbox_event where job_id in "
                    + "(select id from job where command_type = 'test.parked')").executeUpdate();
            em.createNativeQuery("delete from job where command_type = 'test.parked'").executeUpdate();
        });
        dispatcher.resume();
    }

    @Test
    void aCommandIdIsRecordedOnce() {
        String commandId = "store-dup-" + UUID.randomUUID();
        boolean first = QuarkusTransaction.requiringNew().call(() -> jobs.record(rejected(commandId))).isPresent();
        boolean second = QuarkusTransaction.requiringNew().call(() -> jobs.record(rejected(commandId))).isPresent();
        assertTrue(first);
        assertFalse(second);
    }

    @Test
    void aBatchIsRecordedInItsOrderWithEachCommandIdOnce() {
        String known = "store-batch-known-" + UUID.randomUUID();
        String twice = "store-batch-twice-" + UUID.randomUUID();
        String tombstoned = "store-batch-gone-" + UUID.randomUUID();
        String first = "store-batch-first-" + UUID.randomUUID();
        String rejected = "store-batch-rejected-" + UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> jobs.record(action(known, -9_001)));
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "insert into command_tombstone (command_id, finished_at) values (:id, now())")
                .setParameter("id", tombstoned).executeUpdate());
        try {
            List<Optional<JobView>> recorded = QuarkusTransaction.requiringNew().call(() -> jobs.recordAll(List.of(
                    action(first, -9_002), action(known, -9_001), action(twice, -9_003), action(tombstoned, -9_004),
                    rejected(rejected), action(twice, -9_003))));

            assertEquals(List.of(true, false, true, false, true, false),
                    recorded.stream().map(Optional::isPresent).toList(), "new ones only, each command_id once");
            JobView a = recorded.get(0).orElseThrow();
            JobView b = recorded.get(2).orElseThrow();
            JobView c = recorded.get(4).orElseThrow();
            assertTrue(seqOf(a.id()) < seqOf(b.id()) && seqOf(b.id()) < seqOf(c.id()), "seq in the batch's order");
            assertEquals(JobState.RECEIVED, a.state());
            assertEquals(JobState.REJECTED, c.state());
            assertEquals(List.of(-9_002L), targetsOf(a.id()), "an action's Droplet is its own from intake");
            assertEquals(List.of(), targetsOf(c.id()), "a rejected job holds no Droplet");
            for (JobView job : List.of(a, b, c)) {
                List<Transition> transitions = jobs.transitionsOf(job.id());
                assertEquals(1, transitions.size());
                assertEquals("received from test-0@0", transitions.get(0).detail());
                assertEquals(job.state(), transitions.get(0).toState());
            }
        } finally {
            QuarkusTransaction.requiringNew().run(() -> {
                em.createNativeQuery("delete from command_tombstone where command_id = :id")
                        .setParameter("id", tombstoned).executeUpdate();
                em.createNativeQuery("update job set command_type = 'test.parked' where command_id like 'store-batch-%'")
                        .executeUpdate();
            });
        }
    }

    /**
     * Intake's batches come in every size up to its limit: each size must be the same statement, or
     * every one is parsed, cached and compiled apart (a statement written out per row also made the
     * JIT spend seconds and over 150 MiB of native memory on the method building it, under a flood).
     * What a batch carries must come through intact, whatever its characters.
     */
    @Test
    void batchesOfEverySizeAreOneStatementAndKeepWhatTheyCarry() {
        QueryInterpretationCache cache = em.getEntityManagerFactory().unwrap(SessionFactoryImplementor.class)
                .getQueryEngine().getInterpretationCache();
        String odd = "store-batch-odd-\"quoted\" \\ back'slash ü 😀 \t";
        QuarkusTransaction.requiringNew().run(() -> jobs.recordAll(List.of(action(odd + UUID.randomUUID(), -9_100))));
        int before = cache.getNumberOfCachedQueryPlans();
        List<String> ids = new ArrayList<>();
        Set<String> rejectedIds = new HashSet<>();
        try {
            recordBatchesOfEverySize(odd, ids, rejectedIds);
            int added = cache.getNumberOfCachedQueryPlans() - before;
            // The application's own loops run meanwhile and may add a few statements of their own.
            assertTrue(added < 10, "batches of 30 sizes added " + added + " cached interpretations");
            @SuppressWarnings("unchecked")
            List<Object[]> stored = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                    "select command_id, cast(request as text), cast(problems as text) from job where command_id like"
                            + " 'store-batch-odd-%' order by seq").getResultList());
            assertEquals(ids.size() + 1, stored.size());
            List<Object[]> batched = stored.subList(1, stored.size());
            assertEquals(ids, batched.stream().map(row -> (String) row[0]).toList(), "in order, each intact");
            for (Object[] row : batched) {
                boolean wasRejected = rejectedIds.contains((String) row[0]);
                assertEquals(wasRejected ? null : "{\"type\": \"reboot\"}", row[1], "request");
                assertEquals(wasRejected ? "[]" : null, row[2], "problems");
            }
        } finally {
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                    "update job set command_type = 'test.parked' where command_id like 'store-batch-odd-%'")
                    .executeUpdate());
        }
    }

    private void recordBatchesOfEverySize(String odd, List<String> ids, Set<String> rejectedIds) {
        for (int size = 1; size <= 30; size++) {
            List<NewJob> batch = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                String id = odd + size + "-" + i + "-" + UUID.randomUUID();
                ids.add(id);
                if (i % 3 == 2) {
                    rejectedIds.add(id);
                    batch.add(rejected(id));
                } else {
                    batch.add(action(id, -9_100 - i));
                }
            }
            QuarkusTransaction.requiringNew().run(() -> jobs.recordAll(batch));
        }
    }

    /** Jobs loaded by one array of ids come in the order of the ids; an id without a job is left out. */
    @Test
    void jobsOfAnIdArrayComeInTheOrderOfTheIdsWithoutTheMissingOnes() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String commandId = "store-array-" + i + "-" + UUID.randomUUID();
            ids.add(QuarkusTransaction.requiringNew().call(() -> jobs.record(rejected(commandId))).orElseThrow().id());
        }
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "update job set command_type = 'test.parked' where id = any(:ids)")
                .setParameter("ids", ids.toArray(UUID[]::new)).executeUpdate());
        List<UUID> asked = List.of(ids.get(2), UUID.randomUUID(), ids.get(0), ids.get(1));

        List<UUID> found = QuarkusTransaction.requiringNew().call(() -> SqlArrays.found(em, Job.class, asked).stream()
                .map(job -> job.id).toList());

        assertEquals(List.of(ids.get(2), ids.get(0), ids.get(1)), found);
        assertEquals(List.of(), QuarkusTransaction.requiringNew().call(() -> SqlArrays.found(em, Job.class,
                List.of(UUID.randomUUID()))));
    }

    /**
     * Tracking ends the jobs of a round together: each with its transition and its event, and if one
     * of them cannot end, none does (the finisher then ends them one at a time).
     */
    @Test
    void jobsEndedTogetherEachEndWithTheirEventOrNoneDoes() {
        UUID a = inProgress();
        UUID b = inProgress();
        UUID notStarted = insertParked("test-finish:" + UUID.randomUUID());
        assertThrows(IllegalStateException.class, () -> tracking.finishAll(List.of(
                ending(a, JobState.COMPLETED, "1 actions finished"),
                ending(notStarted, JobState.COMPLETED, "1 actions finished"))));
        assertEquals(JobState.IN_PROGRESS, jobs.find(a).orElseThrow().state(), "none ended");
        assertEquals(0, eventsOf(a));

        assertEquals(2, tracking.finishAll(List.of(
                ending(a, JobState.COMPLETED, "1 actions finished"),
                ending(b, JobState.ERRORED, "2 actions finished"))));
        assertEquals(JobState.COMPLETED, jobs.find(a).orElseThrow().state());
        assertEquals(JobState.ERRORED, jobs.find(b).orElseThrow().state());
        for (UUID job : List.of(a, b)) {
            assertEquals(1, eventsOf(job), "one event each");
            List<Transition> transitions = jobs.transitionsOf(job);
            assertEquals(JobState.IN_PROGRESS, transitions.get(transitions.size() - 1).fromState());
        }
        assertEquals("2 actions finished", jobs.transitionsOf(b).get(jobs.transitionsOf(b).size() - 1).detail());
        assertEquals(0, tracking.finishAll(List.of(ending(a, JobState.COMPLETED, "again"))),
                "a job that has ended is not ended again");
        assertEquals(1, eventsOf(a));
    }

    /**
     * Jobs ended together free their Droplets for the jobs behind them, all in one statement, except
     * one still holding them (its action outran a timeout and may still be running).
     */
    @Test
    void jobsEndedTogetherLetGoOfTheirDropletsUnlessTheyHoldThem() {
        UUID a = inProgress();
        UUID b = inProgress();
        UUID held = inProgress();
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("""
                    insert into job_target (job_id, droplet_id, job_seq)
                    select id, -9300 - row_number() over (order by id), seq from job where id in (:ids)""")
                    .setParameter("ids", List.of(a, b, held)).executeUpdate();
            em.createNativeQuery("update job set holds_until = now() + interval '1 hour' where id = :id")
                    .setParameter("id", held).executeUpdate();
        });
        assertEquals(1, targetsOf(held).size());

        assertEquals(3, tracking.finishAll(List.of(ending(a, JobState.COMPLETED, "1 actions finished"),
                ending(held, JobState.COMPLETED, "1 actions finished"), ending(b, JobState.ERRORED, "1 actions finished"))));
        assertEquals(List.of(), targetsOf(a));
        assertEquals(List.of(), targetsOf(b));
        assertEquals(1, targetsOf(held).size(), "still held");
        assertEquals(JobState.COMPLETED, jobs.find(held).orElseThrow().state());
        assertEquals(1, eventsOf(held));
    }

    private static TrackingLedger.Ending ending(UUID job, JobState terminal, String detail) {
        return new TrackingLedger.Ending(job, terminal, detail, 1, List.of());
    }

    /**
     * The finisher has read the actions of the jobs it ends: their events report those, with no
     * second read, unless they were read for another generation than the one that ends.
     */
    @Test
    void anEndReportsTheActionsReadForItUnlessTheyWereAnotherGenerations() {
        UUID current = inProgress();
        UUID retried = inProgress();
        tracking.finishAll(List.of(
                new TrackingLedger.Ending(current, JobState.COMPLETED, "1 actions finished", 1,
                        List.of(actionRead(current, 1, 424_242))),
                new TrackingLedger.Ending(retried, JobState.COMPLETED, "1 actions finished", 2,
                        List.of(actionRead(retried, 2, 434_343)))));
        assertTrue(payloadOf(current).contains("424242"), payloadOf(current));
        assertFalse(payloadOf(retried).contains("434343"), "read for generation 2, the job's is 1: "
                + payloadOf(retried));
    }

    private static ActionView actionRead(UUID job, int generation, long actionId) {
        return new ActionView(1, job, generation, actionId, 1L, "reboot", "completed", Instant.now(), Instant.now(),
                "droplet", "nyc3", 1, 0, null);
    }

    private String payloadOf(UUID job) {
        return QuarkusTransaction.requiringNew().call(() -> (String) em.createNativeQuery(
                "select payload from outbox_event where job_id = :id").setParameter("id", job).getSingleResult());
    }

    private UUID inProgress() {
        UUID id = insertParked("test-finish:" + UUID.randomUUID());
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "update job set state = 'IN_PROGRESS', in_progress_at = now() where id = :id")
                .setParameter("id", id).executeUpdate());
        return id;
    }

    private long eventsOf(UUID job) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select count(*) from outbox_event where job_id = :id").setParameter("id", job).getSingleResult())
                .longValue());
    }

    @SuppressWarnings("unchecked")
    private List<Long> targetsOf(UUID job) {
        return QuarkusTransaction.requiringNew().call(() -> (List<Long>) em.createNativeQuery(
                "select droplet_id from job_target where job_id = :id order by droplet_id").setParameter("id", job)
                .getResultList());
    }

    private long seqOf(UUID job) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select seq from job where id = :id").setParameter("id", job).getSingleResult()).longValue());
    }

    /** A reboot of a Droplet no test seeds (this class pauses the dispatcher while it runs). */
    private static NewJob action(String commandId, long droplet) {
        return NewJob.accepted(CommandType.ACTION, commandId, "default", droplet, null,
                MAPPER.createObjectNode().put("type", "reboot"), ORIGIN);
    }

    @Test
    void jobsOnOneOrderingKeyAreClaimedOneAtATimeInArrivalOrder() {
        String key = "test-order:" + UUID.randomUUID();
        UUID first = insertParked(key);
        UUID second = insertParked(key);
        release(List.of(first, second));

        List<UUID> claimed = claimUntil(first);
        assertFalse(claimed.contains(second), "the second waits while the first is open");
        assertEquals(JobState.SUBMITTING, jobs.find(first).orElseThrow().state());
        assertEquals(JobState.RECEIVED, jobs.find(second).orElseThrow().state());
    }

    @Test
    void aLostLeaseStopsTheSendAndAnExpiredSentClaimIsResumedAsUnconfirmed() {
        String key = "test-lease:" + UUID.randomUUID();
        UUID id = insertParked(key);
        release(List.of(id));
        claimUntil(id);

        assertTrue(jobs.markSending(id, "test-pod", Duration.ofSeconds(30)));
        assertFalse(jobs.markSending(id, "another-pod", Duration.ofSeconds(30)), "only the lease holder sends");
        expireLease(id);
        assertFalse(jobs.markSending(id, "test-pod", Duration.ofSeconds(30)), "an expired lease sends nothing");

        jobs.releaseExpiredLeases();
        JobView resumed = jobs.find(id).orElseThrow();
        assertEquals(JobState.RECEIVED, resumed.state());
        assertNotNull(resumed.unconfirmedSince(), "its POST went out: look before sending again");
        assertEquals("lease expired", jobs.transitionsOf(id).get(jobs.transitionsOf(id).size() - 1).detail());
    }

    /**
     * Claims sent together are marked in one statement, each only while its lease holds; a mark
     * whose POST did not go out is taken back, and the claim is again one that sent nothing.
     */
    @Test
    void claimsMarkedSendingTogetherEachNeedTheirLeaseAndAMarkNotSentOnIsTakenBack() {
        List<UUID> claimed = claimedByTheTestPod("test-together", 3);
        UUID a = claimed.get(0);
        UUID b = claimed.get(1);
        UUID lost = claimed.get(2);
        expireLease(lost);

        Set<UUID> marked = jobs.markSendingAll(List.of(claim(a), claim(b), claim(lost)));
        assertEquals(Set.of(a, b), marked, "an expired lease sends nothing");
        assertNotNull(jobs.find(a).orElseThrow().sentAt());
        assertNull(jobs.find(lost).orElseThrow().sentAt());
        assertEquals(Set.of(), jobs.markSendingAll(List.of(new JobClaim(a, "another-pod", Duration.ofSeconds(30)))),
                "only the lease holder sends");

        jobs.unmarkSending(List.of(claim(b)));
        assertNull(jobs.find(b).orElseThrow().sentAt(), "its POST did not go out");
        assertEquals(JobState.SUBMITTING, jobs.find(b).orElseThrow().state());
        jobs.releaseUnsentClaims("test-pod");
        assertEquals(JobState.RECEIVED, jobs.find(b).orElseThrow().state(), "released at shutdown as unsent");
        assertEquals(JobState.SUBMITTING, jobs.find(a).orElseThrow().state(), "its POST is out: left to its lease");
    }

    /** Claims DigitalOcean accepted are recorded together; one whose lease was lost is left out. */
    @Test
    void acceptedClaimsAreFollowedTogetherExceptOneWhoseLeaseWasLost() {
        List<UUID> claimed = claimedByTheTestPod("test-follow", 3);
        UUID a = claimed.get(0);
        UUID b = claimed.get(1);
        UUID lost = claimed.get(2);
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "update job set lease_owner = 'another-pod' where id = :id").setParameter("id", lost).executeUpdate());

        int recorded = tracking.followAll(List.of(
                new TrackingLedger.Follow(claim(b), List.of(started(515_001)), null, "action 515001 started", true),
                new TrackingLedger.Follow(claim(lost), List.of(started(515_002)), null, "action 515002 started", true),
                new TrackingLedger.Follow(claim(a), List.of(started(515_003), started(515_004)), null,
                        "2 actions started", true)), type -> Duration.ofMinutes(1));

        assertEquals(2, recorded);
        assertEquals(JobState.IN_PROGRESS, jobs.find(a).orElseThrow().state());
        assertEquals(1, jobs.find(a).orElseThrow().attempts());
        assertEquals(List.of(515_003L, 515_004L), jobs.actionsOf(a).stream().map(ActionView::actionId).sorted().toList());
        assertEquals(List.of(515_001L), jobs.actionsOf(b).stream().map(ActionView::actionId).toList());
        assertEquals("action 515001 started", jobs.transitionsOf(b).get(jobs.transitionsOf(b).size() - 1).detail());
        assertEquals(JobState.SUBMITTING, jobs.find(lost).orElseThrow().state(), "not this pod's any more");
        assertEquals(List.of(), jobs.actionsOf(lost));
    }

    /** This many jobs, each on a key of its own, claimed by the test pod. */
    private List<UUID> claimedByTheTestPod(String keyPrefix, int count) {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(insertParked(keyPrefix + ":" + UUID.randomUUID()));
        }
        release(ids);
        ids.forEach(this::claimUntil);
        return ids;
    }

    private static JobClaim claim(UUID job) {
        return new JobClaim(job, "test-pod", Duration.ofSeconds(30));
    }

    private static Action started(long actionId) {
        return new Action(actionId, Action.IN_PROGRESS, "reboot", null, null, 1L, "droplet", null);
    }

    @Test
    void anExpiredClaimThatNeverSentIsResumedAsNotSent() {
        UUID id = insertParked("test-unsent:" + UUID.randomUUID());
        release(List.of(id));
        claimUntil(id);
        expireLease(id);

        jobs.releaseExpiredLeases();
        JobView resumed = jobs.find(id).orElseThrow();
        assertEquals(JobState.RECEIVED, resumed.state());
        assertNull(resumed.unconfirmedSince());
    }

    @Test
    void atShutdownClaimsNotYetSentAreHandedBackAtOnceAndOneWithItsRequestOutIsNot() {
        UUID unsent = insertParked("test-shutdown-unsent:" + UUID.randomUUID());
        UUID sent = insertParked("test-shutdown-sent:" + UUID.randomUUID());
        release(List.of(unsent, sent));
        claimUntil(unsent);
        claimUntil(sent);
        assertTrue(jobs.markSending(sent, "test-pod", Duration.ofSeconds(30)));

        assertTrue(jobs.releaseUnsentClaims("test-pod") >= 1);

        JobView released = jobs.find(unsent).orElseThrow();
        assertEquals(JobState.RECEIVED, released.state());
        assertNull(released.leaseOwner(), "free at once, not after the lease");
        assertEquals(0, released.attempts(), "nothing was sent: no attempt counted");
        assertNull(released.unconfirmedSince(), "nothing to look for before sending");
        List<Transition> transitions = jobs.transitionsOf(unsent);
        assertEquals("released by test-pod at shutdown", transitions.get(transitions.size() - 1).detail());
        assertFalse(jobs.markSending(unsent, "test-pod", Duration.ofSeconds(30)), "a handed-back claim can send no more");

        JobView out = jobs.find(sent).orElseThrow();
        assertEquals(JobState.SUBMITTING, out.state(), "its answer may still come: left to its lease");
        assertEquals("test-pod", out.leaseOwner());
        assertTrue(jobs.claimsHeldBy("test-pod") >= 1);
    }

    /**
     * Hibernate keeps one interpretation of each native statement, but a statement given a result
     * class gets a new cache key each time it is created, all with one hash: the cache fills with
     * copies of it, and every lookup then walks them (a quarter of the worker's CPU under load).
     * The statements a worker runs over and over must each stay one entry.
     */
    @Test
    void aStatementRunOverAndOverIsInterpretedOnce() {
        QueryInterpretationCache cache = em.getEntityManagerFactory().unwrap(SessionFactoryImplementor.class)
                .getQueryEngine().getInterpretationCache();
        Runnable everyRound = () -> {
            jobs.now();
            jobs.releaseExpiredLeases();
            jobs.releaseUnsentClaims("no-such-pod");
            tracking.claimFinishable("no-such-pod", Duration.ofSeconds(1), 0);
            tracking.claimDuePolls(Duration.ofSeconds(1), 0);
            queries.list(new JobFilter(null, null, "test.parked", null, null, null, null, null), null, 1);
        };
        everyRound.run();
        int before = cache.getNumberOfCachedQueryPlans();
        for (int i = 0; i < 100; i++) {
            everyRound.run();
        }
        int added = cache.getNumberOfCachedQueryPlans() - before;
        // The application's own loops run meanwhile and may add a few statements of their own.
        assertTrue(added < 50, "100 rounds of the same statements added " + added + " cached interpretations");
    }

    /**
     * The claim reads the first waiting jobs in arrival order and stops at its batch: the rows it
     * reads must not grow with the jobs waiting behind them. Counted by PostgreSQL itself (EXPLAIN
     * ANALYZE: every plan node's rows, kept or filtered out) on the real statement at two backlogs,
     * each in a transaction that is rolled back, with fresh statistics so the planner sees each
     * table as it is. (Pages would grow a little with the depth of the indexes; rows do not.)
     */
    @Test
    void whatAClaimReadsDoesNotGrowWithTheBacklog() throws Exception {
        long small = rowsOneClaimReads(4_000);
        long large = rowsOneClaimReads(80_000);
        assertTrue(large <= small * 3 / 2,
                "one claim of 20 read " + small + " rows at 4,000 waiting and " + large + " at 80,000");
    }

    /** Rows every node of one claim of 20 read, with {@code waiting} jobs waiting over 2,000 Droplets. */
    private long rowsOneClaimReads(int waiting) throws Exception {
        QuarkusTransaction.begin();
        try {
            em.createNativeQuery("""
                    insert into job (id, command_id, command_type, account, droplet_id, ordering_key, state,
                                     next_run_at, received_at, updated_at)
                    select gen_random_uuid(), 'store-backlog-' || gen_random_uuid(), 'test.parked', 'default',
                           -1 - g % 2000, 'droplet:' || (-1 - g % 2000), 'RECEIVED', now() - interval '1 day', now(),
                           now()
                    from generate_series(0, :n - 1) g""").setParameter("n", waiting).executeUpdate();
            em.createNativeQuery("""
                    insert into job_target (job_id, droplet_id, job_seq)
                    select id, droplet_id, seq from job where command_type = 'test.parked' and droplet_id < 0""")
                    .executeUpdate();
            em.createNativeQuery("analyze job").executeUpdate();
            em.createNativeQuery("analyze job_target").executeUpdate();
            String plan = (String) em.createNativeQuery("explain (analyze, format json) " + JobStore.CLAIM_DUE)
                    .setParameter("limit", 20).setParameter("owner", "test-pod").setParameter("lease", 10.0)
                    .setParameter("skipped", List.of("")).getSingleResult();
            return rowsRead(MAPPER.readTree(plan).get(0).get("Plan"));
        } finally {
            QuarkusTransaction.rollback();
        }
    }

    /** The rows a plan node and the nodes under it produced or filtered out, over all their loops. */
    private static long rowsRead(JsonNode node) {
        long perLoop = node.path("Actual Rows").asLong() + node.path("Rows Removed by Filter").asLong()
                + node.path("Rows Removed by Join Filter").asLong() + node.path("Rows Removed by Index Recheck").asLong();
        long rows = perLoop * Math.max(1, node.path("Actual Loops").asLong());
        for (JsonNode child : node.path("Plans")) {
            rows += rowsRead(child);
        }
        return rows;
    }

    /** A RECEIVED job, parked in the future until the test releases it. */
    private UUID insertParked(String orderingKey) {
        UUID id = QuarkusTransaction.requiringNew().call(() -> jobs.record(NewJob.accepted(CommandType.ACTION,
                "store-" + UUID.randomUUID(), "default", null, null, MAPPER.createObjectNode(), ORIGIN))
                .orElseThrow().id());
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                        update job set next_run_at = now() + interval '1 day', command_type = 'test.parked',
                                       ordering_key = :key
                        where id = :id""")
                .setParameter("key", orderingKey).setParameter("id", id).executeUpdate());
        return id;
    }

    private void release(List<UUID> ids) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                        "update job set next_run_at = now() - interval '1 day' where id in (:ids)")
                .setParameter("ids", ids).executeUpdate());
    }

    private void expireLease(UUID id) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                        "update job set lease_expires_at = now() - interval '1 second' where id = :id")
                .setParameter("id", id).executeUpdate());
    }

    /** Claims as a test pod until the job is claimed; other tests' leftovers may come first. */
    private List<UUID> claimUntil(UUID id) {
        List<UUID> all = new ArrayList<>();
        for (int i = 0; i < 50 && jobs.find(id).orElseThrow().state() == JobState.RECEIVED; i++) {
            // A short lease: another test's job claimed here by accident is back in seconds.
            jobs.claimDue("test-pod", Duration.ofSeconds(10), 1).forEach(claimed -> all.add(claimed.id()));
        }
        assertEquals(JobState.SUBMITTING, jobs.find(id).orElseThrow().state());
        assertEquals("test-pod", jobs.find(id).orElseThrow().leaseOwner());
        return all;
    }

    private static NewJob rejected(String commandId) {
        return NewJob.rejected(commandId, "test.parked", "default", null, MAPPER.createArrayNode(), ORIGIN);
    }
}
