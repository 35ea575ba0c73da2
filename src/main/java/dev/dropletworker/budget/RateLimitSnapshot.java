package dev.dropletworker.budget;

import java.time.Duration;
import java.time.Instant;

/**
 * What one response said about its token's budget: the {@code ratelimit-*} and {@code retry-after}
 * headers. Any of them may be missing or malformed; like godo, parse errors leave the value absent
 * rather than failing.
 *
 * @param limit hourly quota ({@code ratelimit-limit})
 * @param remaining requests left; 0 also when the per-minute burst limit is hit
 * @param reset when the oldest counted request expires (not a full reset)
 * @param retryAfter only on 429s caused by the burst limit
 */
public record RateLimitSnapshot(Integer limit, Integer remaining, Instant reset, Duration retryAfter) {

    public boolean isEmpty() {
        return limit == null && remaining == null && reset == null && retryAfter == null;
    }
}
