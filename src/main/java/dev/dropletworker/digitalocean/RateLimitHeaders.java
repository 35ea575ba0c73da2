package dev.dropletworker.digitalocean;

import dev.dropletworker.budget.RateLimitSnapshot;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Reads the {@code ratelimit-*} and {@code retry-after} headers of a response (names are case-insensitive). */
final class RateLimitHeaders {

    private RateLimitHeaders() {
    }

    static RateLimitSnapshot of(Response response) {
        return new RateLimitSnapshot(
                integer(response.getHeaderString("ratelimit-limit")),
                integer(response.getHeaderString("ratelimit-remaining")),
                Optional.ofNullable(longValue(response.getHeaderString("ratelimit-reset")))
                        .map(Instant::ofEpochSecond).orElse(null),
                Optional.ofNullable(integer(response.getHeaderString("retry-after")))
                        .filter(s -> s >= 0).map(Duration::ofSeconds).orElse(null));
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
