package dev.dropletworker.budget;

import java.time.Duration;

/**
 * What a token's shared budget holds right now, for metrics and operators: requests left in each
 * sliding window, and how long a 429's {@code retry-after} still pauses it.
 */
public record BudgetLeft(double minute, double hour, Duration pausedFor) {
}
