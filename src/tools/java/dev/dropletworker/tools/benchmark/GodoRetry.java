package dev.dropletworker.tools.benchmark;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * How godo retries a request, as go-retryablehttp v0.7.7 does it for godo: {@code DefaultRetryPolicy}
 * retries connection errors, 429 and every 5xx but 501 (never another 4xx, so never a 422), for
 * every method, POST included; {@code DefaultBackoff} sleeps exactly {@code Retry-After} on a 429
 * or 503 that carries one (no cap), otherwise {@code waitMin × 2^retry} capped at {@code waitMax}.
 *
 * @param retryMax retries after the first try (doctl's {@code --http-retry-max}, default 5)
 * @param waitMin  godo's {@code RetryWaitMin} (1 s)
 * @param waitMax  godo's {@code RetryWaitMax} (30 s)
 */
record GodoRetry(int retryMax, Duration waitMin, Duration waitMax) {

    /** doctl's defaults: 5 retries, so waits of 1, 2, 4, 8 and 16 s when no Retry-After comes. */
    static GodoRetry doctl() {
        return new GodoRetry(5, Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    /** Whether an answer with this status is tried again (while retries are left). */
    boolean retries(int status) {
        return status == 429 || (status >= 500 && status != 501);
    }

    /**
     * The sleep before retry number {@code retry} (0 for the first), after an answer with this
     * status and {@code Retry-After} header (absent for a connection error: status 0).
     */
    Duration backoff(int retry, int status, Optional<String> retryAfter, Instant now) {
        if (status == 429 || status == 503) {
            Optional<Duration> told = retryAfter.flatMap(value -> parseRetryAfter(value, now));
            if (told.isPresent()) {
                return told.get();
            }
        }
        double millis = Math.pow(2, retry) * waitMin.toMillis();
        return millis > waitMax.toMillis() ? waitMax : Duration.ofMillis((long) millis);
    }

    /** Whole seconds, or an HTTP date; go-retryablehttp ignores a value it cannot read. */
    private static Optional<Duration> parseRetryAfter(String value, Instant now) {
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }
}
