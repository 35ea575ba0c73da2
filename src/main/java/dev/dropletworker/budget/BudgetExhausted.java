package dev.dropletworker.budget;

import java.time.Duration;
import java.time.Instant;

/**
 * No request may be sent on this token before {@link #availableAt()} (database time), that is for
 * {@link #waitFor()}. Not an error: a "later".
 */
public final class BudgetExhausted extends RuntimeException {
    private final Instant availableAt;
    private final Duration waitFor;

    public BudgetExhausted(Instant availableAt, Duration waitFor) {
        super("rate budget exhausted for " + waitFor, null, false, false);
        this.availableAt = availableAt;
        this.waitFor = waitFor;
    }

    public Instant availableAt() {
        return availableAt;
    }

    public Duration waitFor() {
        return waitFor;
    }
}
