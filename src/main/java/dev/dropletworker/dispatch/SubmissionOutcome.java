package dev.dropletworker.dispatch;

import dev.dropletworker.job.Failure;
import java.time.Duration;

/**
 * What an answer means for the job: the one decision {@link SubmissionPolicy} makes. {@code attempt}
 * says whether the claim counts as an attempt: it does up to the configured number; a claim after
 * the last one only looks for what that did, and counts as a look.
 */
sealed interface SubmissionOutcome {

    /** The request is running at DigitalOcean: follow its actions. */
    record Started(Submitted submitted, boolean attempt) implements SubmissionOutcome {
    }

    /**
     * Not now, and not an attempt: the Droplet is busy, the budget is spent, the token is rate
     * limited, or an unconfirmed create's Droplets have not shown up yet.
     *
     * @param lastError the API's answer behind the wait, or null
     */
    record Wait(Duration delay, String reason, Failure lastError) implements SubmissionOutcome {
    }

    /**
     * The attempt failed in a way that may have taken effect (a 5xx, a lost answer): it counts,
     * and the next attempt first looks for what this one did.
     */
    record LookBeforeResending(Duration delay, String reason, Failure lastError, boolean attempt)
            implements SubmissionOutcome {
    }

    /** The worker cannot get it done. */
    record Fail(Failure failure, String reason, boolean attempt) implements SubmissionOutcome {
    }
}
