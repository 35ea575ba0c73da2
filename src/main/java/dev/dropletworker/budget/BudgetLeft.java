package dev.dropletworker.budget;

import java.time.Duration;

/**
 * What a token's shared budget holds right now, for metrics: requests left in each window's
 * bucket (fractions refill continuously) and how long a 429's {@code retry-after} still pauses it.
 */
public record BudgetLeft(double minute, double hour, Duration pausedFor) {
}
