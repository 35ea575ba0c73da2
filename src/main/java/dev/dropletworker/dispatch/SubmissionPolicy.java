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

    /** Whether this claim may still create; past the last attempt an unconfirmed create only looks. */
    boolean mayCreate(JobView job) {
        return attempt(job) <= config.maxAttempts();
    }

    SubmissionOutcome decide(JobView job, Instant now, Answer answer) {
        if (answer instanceof Answer.Accepted accepted) {
            return new SubmissionOutcome.Started(accepted.submitted());
        }
        if (answer instanceof Answer.NothingFound) {
            if (!mayCreate(job) && settled(job, now)) {
                Failure last = job.error() != null ? job.error().because(Reason.RETRIES_EXHAUSTED)
                        : new Failure(Reason.RETRIES_EXHAUSTED, null, null, null, null);
                return new SubmissionOutcome.Fail(last,
                        "no Droplets of the unconfirmed create showed up");
            }
            return new SubmissionOutcome.Wait(config.retryBackoff(),
                    "waiting for the Droplets of an unconfirmed create to show up", null);
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
        if (error.isPendingEvent() || error.isTooManyRequests()) {
            // The Droplet is busy, or the token is rate limited: later, not failed (up to the give-up limit).
            if (givenUp(job, now)) {
                return new SubmissionOutcome.Fail(Failure.of(Reason.RETRIES_EXHAUSTED, error),
                        "still " + error.httpStatus() + " after " + config.giveUpAfter());
            }
            if (error.isPendingEvent()) {
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
        return new SubmissionOutcome.Fail(last, "permanent API error " + error.httpStatus());
    }

    /** After a failure whose request may have taken effect. */
    private SubmissionOutcome retryOrFail(JobView job, Instant now, Failure failure, String detail) {
        int attempt = attempt(job);
        boolean lastAttempt = attempt >= config.maxAttempts() || givenUp(job, now);
        if (lastAttempt && job.type().createsDroplets()) {
            // Never fail a create that may exist: one more round looks for it (and only looks).
            return new SubmissionOutcome.LookBeforeResending(config.createSettle(),
                    "last look for the Droplets after: " + detail, failure);
        }
        if (lastAttempt) {
            return new SubmissionOutcome.Fail(failure, "giving up after " + attempt + " attempts: " + detail);
        }
        return new SubmissionOutcome.LookBeforeResending(backoff(attempt), "retrying: " + detail, failure);
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
