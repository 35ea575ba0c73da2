package dev.dropletworker.dispatch;

import dev.dropletworker.digitalocean.ApiError;
import java.time.Duration;

/** What trying to submit a claimed job came to, before anyone decides what it means. */
sealed interface Answer {

    /** DigitalOcean accepted the request, or an earlier attempt's result was found. */
    record Accepted(Submitted submitted) implements Answer {
    }

    /**
     * The lookup for what a lost request did found nothing, and it is too early to send it again
     * (a create's Droplets may not be listed yet) or too late (after the last attempt it only looks).
     */
    record NothingFound() implements Answer {
    }

    /** A tag action, its Droplets listed: an earlier job of the worker's still acts on one of them. */
    record Blocked() implements Answer {
    }

    /** The job's account has no DigitalOcean token (any more): nothing can be sent for it. */
    record NoAccount(String account) implements Answer {
    }

    /** Nothing was sent: the account's rate budget has nothing left for {@code waitFor}. */
    record NoBudget(Duration waitFor) implements Answer {
    }

    /** DigitalOcean answered with an error. */
    record Refused(ApiError error, Duration retryAfter) implements Answer {
    }

    /** No usable answer (connection refused or reset, timeout): a POST may or may not have taken effect. */
    record NoAnswer(String detail) implements Answer {
    }

    /** Something failed in the worker itself, possibly after a POST went out; named by its class only. */
    record Broken(String exceptionClass) implements Answer {
    }
}
