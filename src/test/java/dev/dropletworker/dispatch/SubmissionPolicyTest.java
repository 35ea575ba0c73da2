package dev.dropletworker.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropletworker.digitalocean.Action;
import dev.dropletworker.digitalocean.ApiError;
import dev.dropletworker.job.CommandType;
import dev.dropletworker.job.Failure.Reason;
import dev.dropletworker.job.Failure;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobView;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What each answer to a submission means, decided without a database or a network. */
class SubmissionPolicyTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static final DispatchConfig CONFIG = new TestDispatchConfig();
    /** Jitter at its top: every retry delay is its capped value. */
    private static final SubmissionPolicy POLICY = new SubmissionPolicy(CONFIG, bound -> bound);

    private static final ApiError PENDING = new ApiError(422, "unprocessable_entity",
            "Droplet already has a pending event.", "req-1");
    private static final ApiError LIMITED = new ApiError(429, "too_many_requests", "API Rate limit exceeded.", "req-2");
    private static final ApiError SERVER = new ApiError(500, "server_error", "Unexpected server-side error", "req-3");
    private static final ApiError MISSING = new ApiError(404, "not_found",
            "The resource you requested could not be found.", "req-4");
    private static final Submitted STARTED = new Submitted(
            List.of(new Action(7, Action.IN_PROGRESS, "reboot", NOW, null, 3L, "droplet", "nyc3")), null,
            "action 7 started");

    static Stream<Arguments> answers() {
        JobView action = job(CommandType.ACTION, 0, NOW.minusSeconds(5), null, null);
        JobView create = job(CommandType.CREATE, 0, NOW.minusSeconds(5), null, null);
        JobView actionAtLastAttempt = job(CommandType.ACTION, 4, NOW.minusSeconds(60), NOW.minusSeconds(10), null);
        JobView createAtLastAttempt = job(CommandType.CREATE, 4, NOW.minusSeconds(60), NOW.minusSeconds(10), null);
        JobView waitingForAnHour = job(CommandType.ACTION, 0, NOW.minus(Duration.ofHours(2)), null, null);
        Failure lastError = new Failure(null, 500, "server_error", "Unexpected server-side error", "req-9");
        JobView createLookedOnly = job(CommandType.CREATE, 5, NOW.minusSeconds(120), NOW.minusSeconds(60), lastError);
        JobView createNotSettled = job(CommandType.CREATE, 1, NOW.minusSeconds(5), NOW.minusSeconds(1), lastError);
        JobView lookedThreeTimes = job(CommandType.CREATE, 5, 2, NOW.minusSeconds(600), NOW.minusSeconds(60), lastError);
        JobView lookedOnce = job(CommandType.CREATE, 5, 1, NOW.minusSeconds(600), NOW.minusSeconds(60), lastError);
        JobView lookedPastGiveUp = job(CommandType.ACTION, 5, NOW.minus(Duration.ofHours(2)), NOW.minusSeconds(60),
                lastError);
        JobView actionLookedOnly = job(CommandType.ACTION, 5, NOW.minusSeconds(120), NOW.minusSeconds(60), lastError);
        return Stream.of(
                Arguments.of("accepted: follow its actions", action, new Answer.Accepted(STARTED),
                        new SubmissionOutcome.Started(STARTED, true)),
                Arguments.of("no budget: wait for it, not an attempt", action, new Answer.NoBudget(Duration.ofSeconds(3)),
                        new SubmissionOutcome.Wait(Duration.ofSeconds(3), "waiting for rate budget", null)),
                Arguments.of("pending event: later, not failed", action, new Answer.Refused(PENDING, null),
                        new SubmissionOutcome.Wait(CONFIG.pendingEventDelay(), "Droplet has a pending event",
                                Failure.of(Reason.API_ERROR, PENDING))),
                Arguments.of("429 waits for retry-after", action, new Answer.Refused(LIMITED, Duration.ofSeconds(7)),
                        new SubmissionOutcome.Wait(Duration.ofSeconds(7), "rate limited (429)",
                                Failure.of(Reason.API_ERROR, LIMITED))),
                Arguments.of("429 without retry-after waits the retry delay", action, new Answer.Refused(LIMITED, null),
                        new SubmissionOutcome.Wait(CONFIG.retryBackoff(), "rate limited (429)",
                                Failure.of(Reason.API_ERROR, LIMITED))),
                Arguments.of("busy past the give-up time: failed", waitingForAnHour, new Answer.Refused(PENDING, null),
                        new SubmissionOutcome.Fail(Failure.of(Reason.RETRIES_EXHAUSTED, PENDING), "still 422 after PT1H",
                                false)),
                Arguments.of("5xx: look before resending", action, new Answer.Refused(SERVER, null),
                        new SubmissionOutcome.LookBeforeResending(CONFIG.retryBackoff(), "retrying: 500 server_error",
                                Failure.of(Reason.RETRIES_EXHAUSTED, SERVER), true)),
                Arguments.of("5xx on the last attempt: one last look for what it did", actionAtLastAttempt,
                        new Answer.Refused(SERVER, null),
                        new SubmissionOutcome.LookBeforeResending(CONFIG.retryBackoff(),
                                "last look for what the request did, after: 500 server_error",
                                Failure.of(Reason.RETRIES_EXHAUSTED, SERVER), true)),
                Arguments.of("5xx on a create's last attempt: one last look, once its Droplets can be listed",
                        createAtLastAttempt, new Answer.Refused(SERVER, null),
                        new SubmissionOutcome.LookBeforeResending(CONFIG.createSettle(),
                                "last look for what the request did, after: 500 server_error",
                                Failure.of(Reason.RETRIES_EXHAUSTED, SERVER), true)),
                Arguments.of("the last look failing past the looks allowed: failed", lookedThreeTimes,
                        new Answer.Refused(SERVER, null),
                        new SubmissionOutcome.Fail(Failure.of(Reason.RETRIES_EXHAUSTED, SERVER),
                                "giving up after 3 failed looks for what the last attempt did: 500 server_error", false)),
                Arguments.of("a failed look with looks left: look again, not an attempt", lookedOnce,
                        new Answer.Refused(SERVER, null),
                        new SubmissionOutcome.LookBeforeResending(CONFIG.createSettle(),
                                "last look for what the request did, after: 500 server_error",
                                Failure.of(Reason.RETRIES_EXHAUSTED, SERVER), false)),
                Arguments.of("the last look failing past the give-up time: failed", lookedPastGiveUp,
                        new Answer.NoAnswer("reset"),
                        new SubmissionOutcome.Fail(Failure.of(Reason.RETRIES_EXHAUSTED, "reset"),
                                "giving up after 1 failed looks for what the last attempt did: reset", false)),
                Arguments.of("nothing found after an action's last look: failed with the last error", actionLookedOnly,
                        new Answer.NothingFound(),
                        new SubmissionOutcome.Fail(lastError.because(Reason.RETRIES_EXHAUSTED),
                                "nothing the lost request could have started showed up", false)),
                Arguments.of("a tag action behind earlier work on its Droplets: wait, not an attempt", action,
                        new Answer.Blocked(),
                        new SubmissionOutcome.Wait(CONFIG.pendingEventDelay(), "waiting for earlier work on its Droplets",
                                null)),
                Arguments.of("the account's token gone: failed at once", action, new Answer.NoAccount("team-c"),
                        new SubmissionOutcome.Fail(Failure.of(Reason.ACCOUNT_UNAVAILABLE,
                                "no DigitalOcean token is configured for account 'team-c' any more"),
                                "account unavailable", false)),
                Arguments.of("404: a permanent API error", action, new Answer.Refused(MISSING, null),
                        new SubmissionOutcome.Fail(Failure.of(Reason.API_ERROR, MISSING), "permanent API error 404", true)),
                Arguments.of("no answer: look before resending", create, new Answer.NoAnswer("reset"),
                        new SubmissionOutcome.LookBeforeResending(CONFIG.retryBackoff(), "retrying: reset",
                                Failure.of(Reason.RETRIES_EXHAUSTED, "reset"), true)),
                Arguments.of("the worker's own failure: named by class only", action,
                        new Answer.Broken("java.lang.IllegalStateException"),
                        new SubmissionOutcome.LookBeforeResending(CONFIG.retryBackoff(), "retrying: IllegalStateException",
                                Failure.of(Reason.RETRIES_EXHAUSTED, "internal error: java.lang.IllegalStateException"),
                                true)),
                Arguments.of("an unconfirmed create not yet listed: wait", createNotSettled, new Answer.NothingFound(),
                        new SubmissionOutcome.Wait(CONFIG.retryBackoff(),
                                "waiting for the Droplets of an unconfirmed create to show up", null)),
                Arguments.of("nothing found after the last look: failed with the last error", createLookedOnly,
                        new Answer.NothingFound(),
                        new SubmissionOutcome.Fail(lastError.because(Reason.RETRIES_EXHAUSTED),
                                "no Droplets of the unconfirmed create showed up", false)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answers")
    void eachAnswerHasOneMeaning(String name, JobView job, Answer answer, SubmissionOutcome expected) {
        assertEquals(expected, POLICY.decide(job, NOW, answer));
    }

    @Test
    void retryDelaysDoubleUpToTheCapAndSpreadOverTheirUpperHalf() {
        assertEquals(Duration.ofSeconds(2), POLICY.backoff(1));
        assertEquals(Duration.ofSeconds(4), POLICY.backoff(2));
        assertEquals(Duration.ofSeconds(8), POLICY.backoff(3));
        assertEquals(CONFIG.maxRetryBackoff(), POLICY.backoff(30));
        SubmissionPolicy noJitter = new SubmissionPolicy(CONFIG, bound -> 0);
        assertEquals(Duration.ofSeconds(4), noJitter.backoff(3), "the lower end is half the doubled delay");
    }

    @Test
    void aCreateMayCreateUntilItsLastAttemptAndIsSettledOnceItsLookupHadTime() {
        JobView fresh = job(CommandType.CREATE, 0, NOW, null, null);
        JobView pastLast = job(CommandType.CREATE, 5, NOW.minusSeconds(60), NOW.minusSeconds(31), null);
        JobView justLost = job(CommandType.CREATE, 2, NOW.minusSeconds(60), NOW.minusSeconds(29), null);

        assertTrue(POLICY.mayPost(fresh, NOW));
        assertFalse(POLICY.mayPost(pastLast, NOW));
        assertFalse(POLICY.mayPost(job(CommandType.CREATE, 1, NOW.minus(Duration.ofHours(2)), null, null), NOW),
                "nor past the give-up time");
        assertTrue(POLICY.settled(fresh, NOW), "never unconfirmed");
        assertTrue(POLICY.settled(pastLast, NOW));
        assertFalse(POLICY.settled(justLost, NOW), "30 s to show up in the listing");
    }

    private static JobView job(CommandType type, int attempts, Instant firstClaim, Instant unconfirmedSince,
            Failure error) {
        return job(type, attempts, 0, firstClaim, unconfirmedSince, error);
    }

    private static JobView job(CommandType type, int attempts, int looks, Instant firstClaim,
            Instant unconfirmedSince, Failure error) {
        return new JobView(UUID.randomUUID(), "c-1", type.wireName(), type, "default", 3L, null, null,
                JobState.SUBMITTING, null, attempts, looks, "pod", null, unconfirmedSince, firstClaim, firstClaim, NOW,
                null, null, error, null, null, null, null);
    }

    /** The production defaults. */
    private static final class TestDispatchConfig implements DispatchConfig {
        @Override
        public Duration interval() {
            return Duration.ofSeconds(1);
        }

        @Override
        public int batchSize() {
            return 5;
        }

        @Override
        public Duration lease() {
            return Duration.ofMinutes(2);
        }

        @Override
        public int maxAttempts() {
            return 5;
        }

        @Override
        public Duration retryBackoff() {
            return Duration.ofSeconds(2);
        }

        @Override
        public Duration maxRetryBackoff() {
            return Duration.ofMinutes(5);
        }

        @Override
        public Duration pendingEventDelay() {
            return Duration.ofSeconds(10);
        }

        @Override
        public Duration giveUpAfter() {
            return Duration.ofHours(1);
        }

        @Override
        public Duration createSettle() {
            return Duration.ofSeconds(30);
        }
    }
}
