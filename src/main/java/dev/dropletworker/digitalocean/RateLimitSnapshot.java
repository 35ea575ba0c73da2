package dev.dropletworker.digitalocean;

import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The {@code ratelimit-*} and {@code retry-after} headers of one response. Any of them may be
 * missing or malformed; like godo, parse errors leave the value absent rather than failing.
 *
 * @param limit hourly quota ({@code ratelimit-limit})
 * @param remaining requests left; 0 also when the per-minute burst limit is hit
 * @param reset when the oldest counted request expires (not a full reset)
 * @param retryAfter only on 429s caused by the burst limit
 */
public record RateLimitSnapshot(Integer limit, Integer remaining, Instant reset, Duration retryAfter) {

    static RateLimitSnapshot of(Response response) {
        return new RateLimitSnapshot(
                integer(response.getHeaderString("ratelimit-limit")),
                integer(response.getHeaderString("ratelimit-remaining")),
                Optional.ofNullable(longValue(response.getHeaderString("ratelimit-reset")))
                        .map(Instant::ofEpochSecond).orElse(null),
                Optional.ofNullable(integer(response.getHeaderString("retry-after")))
                        .filter(s -> s >= 0).map(Duration::ofSeconds).orElse(null));
    }

    public boolean isEmpty() {
        return limit == null && remaining == null && reset == null && retryAfter == null;
    }

    private static Integer integer(String value) {
        Long parsed = longValue(value);
        return parsed == null || parsed > Integer.MAX_VALUE || parsed < Integer.MIN_VALUE ? null : parsed.intValue();
    }

    private static Long longValue(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
