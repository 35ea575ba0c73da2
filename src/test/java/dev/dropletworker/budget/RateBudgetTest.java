package dev.dropletworker.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropletworker.budget.RateBudget.Purpose;
import dev.dropletworker.digitalocean.DigitalOcean;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The shared per-token budget against the real PostgreSQL it lives in. Its windows are real
 * minutes and hours; where a test needs time to pass, it moves the recorded requests back instead.
 */
@QuarkusTest
class RateBudgetTest {

    @Inject
    RateBudget budget;

    @Inject
    BudgetConfig config;

    @Inject
    EntityManager em;

    @Inject
    DigitalOcean api;

    @ConfigProperty(name = "digitalocean.token")
    String workerToken;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @ConfigProperty(name = "quarkus.datasource.username")
    String user;

    @ConfigProperty(name = "quarkus.datasource.password")
    String password;

    @Test
    void theWholeMinuteGoesAtOnceAndTheNextRequestWaitsForTheOldestToLeaveTheWindow() {
        String token = newToken();
        int taken = fill(token, Purpose.NEW_WORK);

        assertEquals(newWorkPerMinute(), taken, "every request new work may have in a minute, at once");
        BudgetExhausted exhausted = assertThrows(BudgetExhausted.class, () -> budget.take(token));
        assertTrue(exhausted.waitFor().toSeconds() >= 58 && exhausted.waitFor().toSeconds() <= 61,
                "until the oldest request leaves the sliding minute: " + exhausted.waitFor());

        age(token, Duration.ofMillis(60_500));
        Awaitility.await().atMost(Duration.ofSeconds(3)).ignoreException(BudgetExhausted.class)
                .until(() -> {
                    budget.take(token);
                    return true;
                });
    }

    @Test
    void newWorkLeavesTheFollowUpReserveToActionsAlreadyRunning() {
        String token = newToken();
        fill(token, Purpose.NEW_WORK);

        for (int i = 0; i < config.followUpReserve(); i++) {
            budget.take(token, Purpose.FOLLOW_UP);
        }
        assertThrows(BudgetExhausted.class, () -> budget.take(token, Purpose.FOLLOW_UP));
        assertThrows(BudgetExhausted.class, () -> budget.take(token));
        assertEquals(0, budget.left(token).minute());
    }

    @Test
    void newWorkLeavesTheHoursFollowUpReserveToActionsAlreadyRunning() {
        String token = newToken();
        budget.take(token);
        // Half an hour ago, all but two of what new work may have in an hour went out.
        int earlier = config.perHour() - config.followUpReservePerHour() - 2;
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("""
                    insert into budget_request (token_key, at, requests)
                    values (:key, now() - interval '30 minutes', :requests)""")
                    .setParameter("key", budget.keyOf(token)).setParameter("requests", earlier).executeUpdate();
            em.createNativeQuery("update rate_budget set hour_used = hour_used + :requests where token_key = :key")
                    .setParameter("key", budget.keyOf(token)).setParameter("requests", earlier).executeUpdate();
        });

        budget.take(token);
        BudgetExhausted exhausted = assertThrows(BudgetExhausted.class, () -> budget.take(token));
        assertTrue(exhausted.waitFor().toMinutes() >= 29, "new work waits for the hour to slide: "
                + exhausted.waitFor());
        for (int i = 0; i < config.followUpReservePerHour(); i++) {
            budget.take(token, Purpose.FOLLOW_UP);
        }
        assertThrows(BudgetExhausted.class, () -> budget.take(token, Purpose.FOLLOW_UP));
        assertEquals(0, budget.left(token).hour());
    }

    @Test
    void noSlidingMinuteHoldsMoreThanTheLimitWhateverTheConcurrentTakers() throws Exception {
        String token = newToken();
        AtomicInteger granted = new AtomicInteger();
        ExecutorService takers = Executors.newFixedThreadPool(8);
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Purpose purpose = t % 4 == 0 ? Purpose.FOLLOW_UP : Purpose.NEW_WORK;
            running.add(takers.submit(() -> {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
                while (System.nanoTime() < until) {
                    try {
                        budget.take(token, purpose);
                        granted.incrementAndGet();
                    } catch (BudgetExhausted e) {
                        // full: the others keep trying as well
                    }
                }
            }));
        }
        for (Future<?> taker : running) {
            taker.get(30, TimeUnit.SECONDS);
        }
        takers.shutdown();

        assertEquals(config.perMinute(), granted.get(), "exactly the minute's limit, however many take at once");
        assertEquals(config.perMinute(), recorded(token), "and each one recorded");
    }

    @Test
    void anObservationWaitingForATakesLockKeepsThatTake() throws Exception {
        String token = newToken();
        budget.take(token); // the token's row exists
        String key = budget.keyOf(token);
        // A take in another connection holds the token's row while it records 5 requests...
        try (Connection take = DriverManager.getConnection(jdbcUrl, user, password)) {
            take.setAutoCommit(false);
            try (PreparedStatement lock = take.prepareStatement("select 1 from rate_budget where token_key = ? for update");
                    PreparedStatement record = take.prepareStatement(
                            "insert into budget_request (token_key, at, requests) values (?, now(), 5)");
                    PreparedStatement count = take.prepareStatement("""
                            update rate_budget set minute_used = minute_used + 5, hour_used = hour_used + 5
                            where token_key = ?""")) {
                lock.setString(1, key);
                lock.executeQuery();
                record.setString(1, key);
                record.executeUpdate();
                count.setString(1, key);
                count.executeUpdate();
            }
            // ...while a response's headers come in for the same token.
            ExecutorService observer = Executors.newSingleThreadExecutor();
            Future<?> observed = observer.submit(() -> budget.observe(token, 200,
                    new RateLimitSnapshot(5000, 4990, Instant.now().plusSeconds(600), null)));
            Thread.sleep(300);
            assertFalse(observed.isDone(), "the observation waits for the take's lock");
            take.commit();
            observed.get(10, TimeUnit.SECONDS);
            observer.shutdown();
        }

        assertEquals(6, recorded(token), "the take is counted after the observation too");
        assertEquals(config.perMinute() - 6, budget.left(token).minute());
        assertEquals(4990, ((Number) QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                "select last_remaining from rate_budget where token_key = :key").setParameter("key", key)
                .getSingleResult())).intValue(), "and the observation is kept as well");
    }

    @Test
    void manyConcurrentTakersAndObserversComeOutExact() throws Exception {
        String token = newToken();
        AtomicInteger granted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            work.add(pool.submit(() -> {
                for (int i = 0; i < 25; i++) {
                    budget.take(token, Purpose.FOLLOW_UP);
                    granted.incrementAndGet();
                }
            }));
        }
        for (int t = 0; t < 2; t++) {
            work.add(pool.submit(() -> {
                for (int i = 0; i < 25; i++) {
                    // A remaining under a minute's limit is written every time (one far above it once a
                    // second), and 200 is more than the 150 takes: every observation writes, none caps.
                    budget.observe(token, 200, new RateLimitSnapshot(5000, 200, Instant.now().plusSeconds(3600), null));
                }
            }));
        }
        for (Future<?> job : work) {
            job.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        assertEquals(150, granted.get());
        assertEquals(150, recorded(token));
        assertEquals(config.perMinute() - 150, budget.left(token).minute());
    }

    @Test
    void anObservationOfPlentyLeftIsWrittenOnceASecondAndOneOfLittleLeftAlways() throws Exception {
        String token = newToken();
        Instant reset = Instant.now().plusSeconds(600);
        budget.observe(token, 200, new RateLimitSnapshot(5000, 4000, reset, null));
        budget.observe(token, 200, new RateLimitSnapshot(5000, 3990, reset, null));
        assertEquals(4000, lastRemaining(token), "the second, within the same second, is not written");

        budget.observe(token, 200, new RateLimitSnapshot(5000, 3, reset, null));
        assertEquals(3, lastRemaining(token), "a remaining under a minute's limit is written at once");
        budget.take(token);
        budget.take(token);
        budget.take(token);
        assertThrows(BudgetExhausted.class, () -> budget.take(token), "and caps the hour at once");

        Thread.sleep(1_100);
        budget.observe(token, 200, new RateLimitSnapshot(5000, 3900, reset, null));
        assertEquals(3900, lastRemaining(token), "a second later, plenty left is written again");
        budget.take(token);
        budget.observe(token, 429, new RateLimitSnapshot(5000, 0, null, Duration.ofSeconds(7)));
        assertTrue(budget.left(token).pausedFor().toSeconds() >= 5, "a 429 is written whenever it comes");
    }

    /**
     * A step that must be recorded before its request goes out, and only if it does (a POST's
     * "sending" mark), is committed with the take or not at all.
     */
    @Test
    void aStepTakenAlongsideIsCommittedWithTheTakeOrNotAtAll() {
        String token = newToken();
        budget.take(token);
        assertThrows(IllegalStateException.class, () -> budget.take(token, Purpose.NEW_WORK, () -> {
            throw new IllegalStateException("the step refuses (its lease was lost)");
        }));
        assertEquals(1, recorded(token), "a refusing step took nothing");

        String kept = "alongside-" + UUID.randomUUID();
        budget.take(token, Purpose.NEW_WORK, () -> markRow(kept));
        assertEquals(2, recorded(token));
        assertTrue(rowExists(kept), "committed with the take");

        fill(token, Purpose.NEW_WORK);
        String undone = "alongside-" + UUID.randomUUID();
        assertThrows(BudgetExhausted.class, () -> budget.take(token, Purpose.NEW_WORK, () -> markRow(undone)));
        assertFalse(rowExists(undone), "undone with the take the budget refused");
    }

    @Test
    void severalRequestsTakenForWhatWasMarkedAlongsideAreCommittedWithItOrNotAtAll() {
        String token = newToken();
        assertNull(budget.takeFor(token, Purpose.NEW_WORK, () -> 0), "nothing marked, nothing taken");
        assertEquals(0, recorded(token));

        String kept = "alongside-" + UUID.randomUUID();
        RateBudget.Grant grant = budget.takeFor(token, Purpose.NEW_WORK, () -> {
            markRow(kept);
            return 3;
        });
        assertEquals(3, grant.requests());
        assertEquals(3, recorded(token), "as many as the step marked, in one take");
        assertTrue(rowExists(kept), "committed with the take");

        int left = fill(token, Purpose.NEW_WORK);
        assertEquals(newWorkPerMinute() - 3, left);
        budget.giveBack(token, grant, 2);
        String undone = "alongside-" + UUID.randomUUID();
        assertThrows(BudgetExhausted.class, () -> budget.takeFor(token, Purpose.NEW_WORK, () -> {
            markRow(undone);
            return 3;
        }), "two left, three wanted: none taken");
        assertFalse(rowExists(undone), "undone with the take the budget refused");
        assertEquals(newWorkPerMinute() - 2, recorded(token), "the refused take counts nothing");
    }

    /**
     * A request of a step on budget taken up front that does not go out (what must run before it,
     * such as the check of the job's lease, refuses) leaves its budget to be given back with the
     * step's others: the requests counted are the ones sent.
     */
    @Test
    void aStepsRequestStoppedBeforeItWentOutIsGivenBack() {
        long before = lastRequestId();
        assertThrows(IllegalStateException.class, () -> api.withBudgetFor("default", 2, null,
                () -> api.postAction("default", 1L, new ObjectMapper().createObjectNode().put("type", "reboot"), () -> {
                    throw new IllegalStateException("the lease was lost");
                })));
        List<Integer> takes = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                        "select requests from budget_request where token_key = :key and id > :before order by id")
                .setParameter("key", budget.keyOf(workerToken)).setParameter("before", before).getResultList()
                .stream().map(n -> ((Number) n).intValue()).toList());
        assertTrue(takes.contains(0), "the step's two requests, neither sent, both given back: " + takes);
    }

    private long lastRequestId() {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select coalesce(max(id), 0) from budget_request").getSingleResult()).longValue());
    }

    /** A write of the step's own, in whatever transaction it runs in. */
    private void markRow(String key) {
        em.createNativeQuery("insert into rate_budget (token_key) values (:key)").setParameter("key", key)
                .executeUpdate();
    }

    private boolean rowExists(String key) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select count(*) from rate_budget where token_key = :key").setParameter("key", key)
                .getSingleResult()).intValue() == 1);
    }

    @Test
    void retryAfterOnA429PausesEveryTakeOnTheToken() {
        String token = newToken();
        budget.observe(token, 429, new RateLimitSnapshot(5000, 0, null, Duration.ofSeconds(7)));

        BudgetExhausted exhausted = assertThrows(BudgetExhausted.class, () -> budget.take(token));
        long waitMillis = exhausted.waitFor().toMillis();
        assertTrue(waitMillis > 5_500 && waitMillis <= 7_500, waitMillis + " ms");
        assertThrows(BudgetExhausted.class, () -> budget.take(token, Purpose.FOLLOW_UP));
    }

    @Test
    void whatIsLeftReadsBothWindowsWithoutTakingAndShowsAPause() {
        String token = newToken();
        assertEquals(new BudgetLeft(config.perMinute(), config.perHour(), Duration.ZERO), budget.left(token),
                "a token never used has everything");
        for (int i = 0; i < 3; i++) {
            budget.take(token);
        }
        assertEquals(new BudgetLeft(config.perMinute() - 3, config.perHour() - 3, Duration.ZERO), budget.left(token));
        assertEquals(config.perMinute() - 3, budget.left(token).minute(), "reading takes nothing");

        budget.observe(token, 429, new RateLimitSnapshot(5000, 0, null, Duration.ofSeconds(7)));
        BudgetLeft paused = budget.left(token);
        assertTrue(paused.pausedFor().toMillis() > 5_500 && paused.pausedFor().toMillis() <= 7_000, paused.toString());
    }

    @Test
    void remainingFromTheApiCapsWhatIsLeftForTheHour() {
        String token = newToken();
        budget.observe(token, 200, new RateLimitSnapshot(5000, 3, Instant.now().plusSeconds(600), null));

        budget.take(token);
        budget.take(token);
        budget.take(token);
        BudgetExhausted exhausted = assertThrows(BudgetExhausted.class, () -> budget.take(token));
        assertTrue(exhausted.waitFor().toSeconds() >= 590, "until the API's reset: " + exhausted.waitFor());
    }

    @Test
    void remainingZeroOnASuccessHoldsTheTokenBack() {
        String token = newToken();
        budget.observe(token, 200, new RateLimitSnapshot(5000, 0, null, null));

        BudgetExhausted exhausted = assertThrows(BudgetExhausted.class, () -> budget.take(token));
        assertTrue(exhausted.waitFor().toSeconds() <= 60, "at most a minute, the burst limit's: " + exhausted.waitFor());
    }

    @Test
    void aBurstLimit429LeavesTheHourlyBudgetAlone() {
        String token = newToken();
        // The API says remaining 0 while the per-minute burst limit is hit, even with hourly quota left.
        budget.observe(token, 429, new RateLimitSnapshot(5000, 0, null, Duration.ofSeconds(1)));
        assertThrows(BudgetExhausted.class, () -> budget.take(token));

        Awaitility.await().atMost(Duration.ofSeconds(65)).ignoreException(BudgetExhausted.class).until(() -> {
            budget.take(token);
            return true;
        });
        for (int i = 0; i < 10; i++) {
            budget.take(token); // the whole minute again, not a trickle
        }
    }

    @Test
    void aStepOfSeveralRequestsGetsThemAllWhileAnotherTakerTakesEveryOneThatFrees() {
        String token = newToken();
        fill(token, Purpose.NEW_WORK);
        ageOldest(token, 5, Duration.ofMillis(58_500)); // five leave the window in about a second and a half
        BudgetExhausted first = assertThrows(BudgetExhausted.class, () -> budget.take(token, 5, "job-a"));
        assertTrue(first.waitFor().toMillis() <= 2_500, "waits for the five to free: " + first.waitFor());

        int othersServed = 0;
        boolean stepServed = false;
        Instant deadline = Instant.now().plusSeconds(5);
        while (!stepServed && Instant.now().isBefore(deadline)) {
            try {
                budget.take(token);
                othersServed++;
            } catch (BudgetExhausted e) {
                // the reservation keeps the freed requests from single takers
            }
            try {
                budget.take(token, 5, "job-a");
                stepServed = true;
            } catch (BudgetExhausted e) {
                // not free yet
            }
        }
        assertTrue(stepServed, "the reserved step got its five requests");
        assertEquals(0, othersServed, "no single request got in ahead of the reservation");
    }

    @Test
    void aReservationWhoseHolderNeverComesBackStopsHoldingOthersBack() throws InterruptedException {
        String token = newToken();
        fill(token, Purpose.NEW_WORK);
        ageOldest(token, 3, Duration.ofMillis(60_000));
        assertThrows(BudgetExhausted.class, () -> budget.take(token, 3, "job-of-a-dead-pod"));
        Thread.sleep(1_500);
        // The three have left the window, but they are promised to the holder.
        assertThrows(BudgetExhausted.class, () -> budget.take(token));

        // A lapse is a matter of time alone: nothing to await but the clock.
        Thread.sleep(config.reservationGrace().toMillis() + 1_000);
        budget.take(token);
        budget.take(token);
        budget.take(token);
        assertThrows(BudgetExhausted.class, () -> budget.take(token, 3, "job-of-a-dead-pod"),
                "a holder coming back this late finds nothing kept for it");
    }

    @Test
    void requestsAStepDidNotNeedAreGivenBack() {
        String token = newToken();
        RateBudget.Grant grant = budget.take(token, 5, "job-b");
        budget.giveBack(token, grant, 3);

        assertEquals(2, recorded(token));
        assertEquals(config.perMinute() - 2, budget.left(token).minute());
    }

    @Test
    void aStepNeverAsksForMoreThanAMinuteCanHold() {
        String token = newToken();
        RateBudget.Grant grant = budget.take(token, 10 * config.perMinute(), "job-huge");

        assertEquals(newWorkPerMinute(), grant.requests());
        assertThrows(BudgetExhausted.class, () -> budget.take(token));
    }

    @Test
    void tokensOfDifferentAccountsHaveSeparateBudgets() {
        String first = newToken();
        String second = newToken();
        budget.take(second);
        budget.observe(first, 429, new RateLimitSnapshot(null, null, null, Duration.ofSeconds(30)));
        assertThrows(BudgetExhausted.class, () -> budget.take(first));
        budget.take(second);
    }

    @Test
    void theTablesNeverHoldTheToken() {
        String token = newToken();
        budget.take(token);
        List<String> keys = QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<String> found = em.createNativeQuery(
                    "select token_key from rate_budget union select token_key from budget_request").getResultList();
            return found;
        });
        assertFalse(keys.contains(token));
        assertTrue(keys.contains(budget.keyOf(token)));
        assertEquals(64, budget.keyOf(token).length());
    }

    private int newWorkPerMinute() {
        return config.perMinute() - config.followUpReserve();
    }

    /** Takes single requests until the token has none left for {@code purpose}; @return how many. */
    private int fill(String token, Purpose purpose) {
        for (int i = 0; i <= config.perMinute() + 1; i++) {
            try {
                budget.take(token, purpose);
            } catch (BudgetExhausted e) {
                return i;
            }
        }
        throw new AssertionError("the budget never ran out");
    }

    /** Moves every request recorded for the token {@code by} into the past. */
    private void age(String token, Duration by) {
        ageOldest(token, Integer.MAX_VALUE, by);
    }

    /**
     * Moves the {@code count} oldest requests recorded for the (new) token {@code by} into the past,
     * and the windows' marks with them, as if all that had happened {@code by} earlier: the requests
     * a take has counted out stay counted out, the others are counted out when they leave.
     */
    private void ageOldest(String token, int count, Duration by) {
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("""
                    update budget_request set at = at - make_interval(secs => :by)
                    where id in (select id from budget_request where token_key = :key order by at, id limit :count)""")
                    .setParameter("by", by.toMillis() / 1000.0).setParameter("key", budget.keyOf(token))
                    .setParameter("count", count).executeUpdate();
            em.createNativeQuery("""
                    update rate_budget set minute_mark = minute_mark - make_interval(secs => :by),
                                           hour_mark = hour_mark - make_interval(secs => :by)
                    where token_key = :key""")
                    .setParameter("by", by.toMillis() / 1000.0).setParameter("key", budget.keyOf(token)).executeUpdate();
        });
    }

    private int lastRemaining(String token) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select last_remaining from rate_budget where token_key = :key")
                .setParameter("key", budget.keyOf(token)).getSingleResult()).intValue());
    }

    private long recorded(String token) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select coalesce(sum(requests), 0) from budget_request where token_key = :key")
                .setParameter("key", budget.keyOf(token)).getSingleResult()).longValue());
    }

    private static String newToken() {
        return "dop_v1_budget-test-" + UUID.randomUUID();
    }
}
