package dev.dropletworker.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropletworker.budget.RateLimitSnapshot;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The shared per-token budget against the real PostgreSQL it lives in. */
@QuarkusTest
class RateBudgetTest {

    @Inject
    RateBudget budget;

    @Inject
    BudgetConfig config;

    @Inject
    EntityManager em;

    @Test
    void aBurstGoesAtOnceThenRequestsComeAtTheSustainedRate() {
        String token = newToken();
        long started = System.nanoTime();
        int taken = 0;
        BudgetExhausted exhausted = null;
        while (exhausted == null && taken < 2 * config.perMinute()) {
            try {
                budget.take(token);
                taken++;
            } catch (BudgetExhausted e) {
                exhausted = e;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(exhausted != null, "the budget ran out");
        // The burst, plus what refilled while it was being taken.
        int refilled = (int) Math.ceil(seconds * budget.sustainedPerSecond());
        assertTrue(taken >= budget.burst() && taken <= budget.burst() + refilled, taken + " taken in " + seconds + " s");
        Duration wait = Duration.between(Instant.now(), exhausted.availableAt());
        assertTrue(wait.toMillis() <= oneToken() + 100, "one request's refill: " + wait);
    }

    @Test
    void noSlidingMinuteCanHoldMoreThanThePerMinuteLimit() {
        // A bucket of B refilled at r admits at most B + 60 r requests in any 60 s; the API's
        // burst window slides, so a full bucket refilled at perMinute/60 would allow twice the limit.
        assertTrue(budget.burst() + 60 * budget.sustainedPerSecond() <= config.perMinute() + 1e-9,
                budget.burst() + " + 60 x " + budget.sustainedPerSecond());
        assertTrue(budget.burst() >= 12, "the largest step fits the bucket: " + budget.burst());
    }

    @Test
    void retryAfterOnA429PausesEveryTakeOnTheToken() {
        String token = newToken();
        budget.take(token);
        budget.observe(token, 429, new RateLimitSnapshot(5000, 0, null, Duration.ofSeconds(7)));

        BudgetExhausted exhausted = assertThrows(BudgetExhausted.class, () -> budget.take(token));
        long waitMillis = Duration.between(Instant.now(), exhausted.availableAt()).toMillis();
        assertTrue(waitMillis > 5_500 && waitMillis <= 7_500, waitMillis + " ms");
    }

    @Test
    void whatIsLeftReadsTheBucketsWithoutTakingAndShowsAPause() {
        String token = newToken();
        assertEquals(new BudgetLeft(budget.burst(), config.perHour(), Duration.ZERO), budget.left(token),
                "a token never used has full buckets");
        long started = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            budget.take(token);
        }
        BudgetLeft left = budget.left(token);
        double refilled = (System.nanoTime() - started) / 1e9 * budget.sustainedPerSecond();
        assertTrue(left.minute() >= budget.burst() - 3 && left.minute() <= budget.burst() - 3 + refilled + 1e-6,
                left + " after refilling " + refilled);
        assertTrue(left.hour() >= config.perHour() - 3 && left.hour() < config.perHour() - 2, left.toString());
        assertEquals(left.minute(), budget.left(token).minute(), 0.5, "reading takes nothing");

        budget.observe(token, 429, new RateLimitSnapshot(5000, 0, null, Duration.ofSeconds(7)));
        BudgetLeft paused = budget.left(token);
        assertTrue(paused.pausedFor().toMillis() > 5_500 && paused.pausedFor().toMillis() <= 7_000, paused.toString());
        assertTrue(paused.minute() < 1, "a 429 empties the minute bucket: " + paused);
    }

    @Test
    void remainingFromTheApiCapsWhatIsLeftForTheHour() {
        String token = newToken();
        budget.take(token);
        // Someone else uses the token too: the API says only 3 requests are left this hour.
        budget.observe(token, 200, new RateLimitSnapshot(5000, 3, Instant.now().plusSeconds(600), null));

        budget.take(token);
        budget.take(token);
        budget.take(token);
        assertThrows(BudgetExhausted.class, () -> budget.take(token));
    }

    @Test
    void remainingZeroOnASuccessStopsTheBurst() throws InterruptedException {
        String token = newToken();
        budget.take(token);
        Thread.sleep(1_000); // tokens accrue meanwhile; the zero must still hold from now on
        budget.observe(token, 200, new RateLimitSnapshot(5000, 0, Instant.now().plusSeconds(30), null));

        assertThrows(BudgetExhausted.class, () -> budget.take(token));
    }

    @Test
    void aBurstLimit429LeavesTheHourlyBudgetAlone() {
        String token = newToken();
        budget.take(token);
        // The API says remaining 0 while the per-minute burst limit is hit, even with hourly quota left.
        budget.observe(token, 429, new RateLimitSnapshot(5000, 0, null, Duration.ofMillis(1000)));
        assertThrows(BudgetExhausted.class, () -> budget.take(token));

        Awaitility.await().atMost(Duration.ofSeconds(5)).ignoreException(BudgetExhausted.class)
                .until(() -> {
                    budget.take(token);
                    return true;
                });
        // After the pause, requests flow at the minute rate again (3.7 a second refilled during it),
        // not at the hour bucket's 1.3 per second.
        for (int i = 0; i < 2; i++) {
            budget.take(token);
        }
    }

    @Test
    void aStepOfSeveralRequestsGetsThemAllOnceAnotherTakerKeepsTheBucketEmpty() {
        String token = newToken();
        drain(token);
        // Another pod takes every token the moment it appears. Taken one at a time, five requests
        // would never be there together; reserved, the other taker must leave them.
        BudgetExhausted first = assertThrows(BudgetExhausted.class, () -> budget.take(token, 5, "job-a"));
        long fiveTokens = 5 * oneToken();
        assertTrue(first.waitFor().toMillis() <= fiveTokens + 100, "waits for five tokens: " + first.waitFor());
        Instant reservedAt = Instant.now();
        int othersServed = 0;
        boolean stepServed = false;
        while (!stepServed && Duration.between(reservedAt, Instant.now()).toMillis() < 4 * fiveTokens) {
            try {
                budget.take(token);
                othersServed++;
            } catch (BudgetExhausted e) {
                // the reservation holds the refill back from single takers
            }
            try {
                budget.take(token, 5, "job-a");
                stepServed = true;
            } catch (BudgetExhausted e) {
                // not filled yet
            }
        }
        assertTrue(stepServed, "the reserved step got its five requests");
        assertEquals(0, othersServed, "no single request got in ahead of the reservation");
        // The reservation is gone once taken: single requests flow again as the bucket refills.
        Awaitility.await().atMost(Duration.ofSeconds(2)).ignoreException(BudgetExhausted.class)
                .until(() -> {
                    budget.take(token);
                    return true;
                });
    }

    @Test
    void aReservationWhoseHolderNeverComesBackStopsHoldingOthersBack() throws InterruptedException {
        String token = newToken();
        drain(token);
        long oneToken = oneToken();
        assertThrows(BudgetExhausted.class, () -> budget.take(token, 3, "job-of-a-dead-pod"));
        // While it holds, a single request waits for its own token plus the three set aside.
        BudgetExhausted held = assertThrows(BudgetExhausted.class, () -> budget.take(token));
        assertTrue(held.waitFor().toMillis() > 3 * oneToken, "three tokens set aside: " + held.waitFor());

        // A lapse is a matter of time alone: nothing to await but the clock.
        Thread.sleep(3 * oneToken + config.reservationGrace().toMillis() + 300);
        drain(token);

        // Single requests took everything, the three once set aside included: a holder coming
        // back this late finds nothing kept for it.
        assertThrows(BudgetExhausted.class, () -> budget.take(token, 3, "job-of-a-dead-pod"));
    }

    @Test
    void requestsAStepDidNotNeedAreGivenBack() {
        String token = newToken();
        drain(token);
        budget.giveBack(token, 2);

        budget.take(token);
        budget.take(token);
        assertThrows(BudgetExhausted.class, () -> budget.take(token));
    }

    @Test
    void aStepNeverAsksForMoreThanTheBucketCanHold() {
        String token = newToken();
        budget.take(token, 10 * config.perMinute(), "job-huge");
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
    void theTableNeverHoldsTheToken() {
        String token = newToken();
        budget.take(token);
        List<String> keys = keys();
        assertFalse(keys.contains(token));
        assertTrue(keys.contains(budget.keyOf(token)));
        assertEquals(64, budget.keyOf(token).length());
    }

    @Transactional
    List<String> keys() {
        @SuppressWarnings("unchecked")
        List<String> keys = em.createNativeQuery("select token_key from rate_budget").getResultList();
        return keys;
    }

    /** Milliseconds the minute bucket takes to refill one request. */
    private long oneToken() {
        return (long) Math.ceil(1000 / budget.sustainedPerSecond());
    }

    /** Takes every token there is, leaving less than one request in the minute bucket. */
    private void drain(String token) {
        for (int i = 0; i <= 2 * config.perMinute(); i++) {
            try {
                budget.take(token);
            } catch (BudgetExhausted e) {
                return;
            }
        }
        throw new AssertionError("the budget never ran out");
    }

    private static String newToken() {
        return "dop_v1_budget-test-" + UUID.randomUUID();
    }
}
