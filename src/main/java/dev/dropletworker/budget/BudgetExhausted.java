package dev.dropletworker.budget;

import java.time.Instant;

/** No request may be sent on this token before {@link #availableAt()}. Not an error: a "later". */
public final class BudgetExhausted extends RuntimeException {
    private final Instant availableAt;

    public BudgetExhausted(Instant availableAt) {
        super("rate budget exhausted until " + availableAt, null, false, false);
        this.availableAt = availableAt;
    }

    public Instant availableAt() {
        return availableAt;
    }
}
