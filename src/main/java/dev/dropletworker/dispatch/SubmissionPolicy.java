package dev.dropletworker.dispatch;

import dev.dropletworker.digitalocean.ApiError;
import dev.dropletworker.job.Failure.Reason;
import dev.dropletworker.job.Failure;
import dev.dropletworker.job.JobView;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What every kind of answer to a submission means: started, wait (not an attempt), look before
 * resending (an attempt that may have taken effect), or failed. Pure: the job as claimed, the
 * database's time and the answer decide; nothing is read or written here.
 */
final class SubmissionPolicy {

    /**
     * After the last attempt, a lookup for what its lost request did may itself fail (the listing
     * answering 5xx): it is tried this many times, then the job fails.
     */
    static final int MAX_LAST_LOOKS = 3;

    /** Random spread for retry delays, so that pods retrying together spread out. */
    interface Jitter {
        /** A number from 0 to {@code bound}, inclusive. */
        long upTo(long bound);

        Jitter RANDOM = bound -> ThreadLocalRandom.current().nextLong(bound + 1);
    }

    private final DispatchConfig config;
    private final Jitter jitter;

    SubmissionPolicy(DispatchConfig config, Jitter jitter) {
        this.config = config;
        this.jitter = jitter;
    }

    /** This claim's attempt number, should it count. */
    static int attempt(JobView job) {
        return job.attempts() + 1;
    }

    /** Whether an unconfirmed create has had time to show up in the tag listing (or was never unconfirmed). */
    boolean settled(JobView job, Instant now) {
        return job.unconfirmedSince() == null || now.isAfter(job.unconfirmedSince().plus(config.createSettle()));
    }

    /**
     * Whether this claim may still send its request: not after the last attempt, nor past the
     * give-up time; then it only looks for what the last request did.
     */
    boolean mayPost(JobView job, Instant now) {
        return attempt(job) <= config.maxAttempts() && !givenUp(job, now);
    }

    SubmissionOutcome decide(JobView job, Instant now, Answer answer) {
        if (answer instanceof Answer.Accepted accepted) {
            return new SubmissionOutcome.Started(accepted.submitted(), mayPost(job, now));
        }
        if (answer instanceof Answer.NothingFound) {
            boolean create = job.type().createsDroplets();
            if (!mayPost(job, now) && (settled(job, now) || !create)) {
                Failure last = job.error() != null ? job.error().because(Reason.RETRIES_EXHAUSTED)
                        : new Failure(Reason.RETRIES_EXHAUSTED, null, null, null, null);
                return new SubmissionOutcome.Fail(last, create ? "no Droplets of the unconfirmed create showed up"
                        : "nothing the lost request could have started showed up", mayPost(job, now));
            }
            return new SubmissionOutcome.Wait(config.retryBackoff(),
                    "waiting for the Droplets of an unconfirmed create to show up", null);
        }
        if (answer instanceof Answer.Blocked) {
            return new SubmissionOutcome.Wait(config.pendingEventDelay(), "waiting for earlier work on its Droplets",
                    null);
        }
        if (answer instanceof Answer.NoAccount noAccount) {
            return new SubmissionOutcome.Fail(Failure.of(Reason.ACCOUNT_UNAVAILABLE, "no DigitalOcean token is "
                    + "configured for account '" + noAccount.account() + "' any more"), "account unavailable", false);
        }
        if (answer instanceof Answer.NoBudget noBudget) {
            return new SubmissionOutcome.Wait(noBudget.waitFor(), "waiting for rate budget", null);
        }
        if (answer instanceof Answer.Refused refused) {
            return refused(job, now, refused);
        }
        if (answer instanceof Answer.NoAnswer noAnswer) {
            return retryOrFail(job, now, Failure.of(Reason.RETRIES_EXHAUSTED, noAnswer.detail()), noAnswer.detail());
        }
        String broken = ((Answer.Broken) answer).exceptionClass();
        return retryOrFail(job, now, Failure.of(Reason.RETRIES_EXHAUSTED, "internal error: " + broken),
                broken.substring(broken.lastIndexOf('.') + 1));
    }

    private SubmissionOutcome refused(JobView job, Instant now, Answer.Refused refused) {
        ApiError error = refused.error();
        Failure last = Failure.of(Reason.API_ERROR, error);
        if (error.isDropletBusy() || error.isTooManyRequests()) {
            // The Droplet is busy, or the token is rate limited: later, not failed (up to the give-up limit).
            if (givenUp(job, now)) {
                return new SubmissionOutcome.Fail(Failure.of(Reason.RETRIES_EXHAUSTED, error),
                        "still " + error.httpStatus() + " after " + config.giveUpAfter(), mayPost(job, now));
            }
            if (error.isDropletBusy()) {
                return new SubmissionOutcome.Wait(config.pendingEventDelay(), "Droplet has a pending event", last);
            }
            Duration wait = refused.retryAfter() != null ? refused.retryAfter() : config.retryBackoff();
            return new SubmissionOutcome.Wait(wait, "rate limited (429)", last);
        }
        if (error.isTransient()) {
            // A 5xx to a POST may come after the server acted: look before sending again.
            return retryOrFail(job, now, Failure.of(Reason.RETRIES_EXHAUSTED, error),
                    error.httpStatus() + " " + error.id());
        }
        return new SubmissionOutcome.Fail(last, "permanent API error " + error.httpStatus(), mayPost(job, now));
    }

    /**
     * After a failure whose request may have taken effect. The last attempt's request is looked for
     * too (never fail a job whose request may be running): one more round looks, and only looks; if
     * even that lookup keeps failing, or the give-up time has passed, the job fails.
     */
    private SubmissionOutcome retryOrFail(JobView job, Instant now, Failure failure, String detail) {
        int attempt = attempt(job);
        if (!mayPost(job, now)) {
            // This claim only looked, and the look failed too.
            if (job.looks() + 1 >= MAX_LAST_LOOKS || givenUp(job, now)) {
                return new SubmissionOutcome.Fail(failure, "giving up after " + (job.looks() + 1)
                        + " failed looks for what the last attempt did: " + detail, false);
            }
            return new SubmissionOutcome.LookBeforeResending(lastLookDelay(job),
                    "last look for what the request did, after: " + detail, failure, false);
        }
        if (attempt >= config.maxAttempts() || givenUp(job, now)) {
            return new SubmissionOutcome.LookBeforeResending(lastLookDelay(job),
                    "last look for what the request did, after: " + detail, failure, true);
        }
        return new SubmissionOutcome.LookBeforeResending(backoff(attempt), "retrying: " + detail, failure, true);
    }

    /** A create's Droplets take a while to be listed; an action shows up in the Droplet's actions at once. */
    private Duration lastLookDelay(JobView job) {
        return job.type().createsDroplets() ? config.createSettle() : config.retryBackoff();
    }

    /** The give-up limit counts from the first claim, not from arrival: queueing is not failing. */
    private boolean givenUp(JobView job, Instant now) {
        return now.isAfter(job.firstSubmittingAt().plus(config.giveUpAfter()));
    }

    /** Exponential from the first retry delay, capped, with jitter over its upper half. */
    Duration backoff(int attempt) {
        long base = config.retryBackoff().toMillis() << Math.min(20, Math.max(0, attempt - 1));
        long capped = Math.min(base, config.maxRetryBackoff().toMillis());
        return Duration.ofMillis(capped / 2 + jitter.upTo(capped / 2));
    }
}
