package dev.dropletworker.tools.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GodoRetryTest {

    private static final Instant NOW = Instant.parse("2026-08-07T10:00:00Z");
    private final GodoRetry doctl = GodoRetry.doctl();

    @Test
    void retriesTooManyRequestsAndServerErrorsButNot501NorOther4xx() {
        assertTrue(doctl.retries(429));
        assertTrue(doctl.retries(500));
        assertTrue(doctl.retries(503));
        assertFalse(doctl.retries(501));
        assertFalse(doctl.retries(422));
        assertFalse(doctl.retries(404));
        assertFalse(doctl.retries(201));
    }

    @Test
    void backsOffOneTwoFourEightSixteenSecondsWithoutRetryAfter() {
        for (int retry = 0; retry < 5; retry++) {
            assertEquals(Duration.ofSeconds(1L << retry), doctl.backoff(retry, 500, Optional.empty(), NOW));
        }
        assertEquals(Duration.ofSeconds(30), doctl.backoff(5, 0, Optional.empty(), NOW));
    }

    @Test
    void sleepsExactlyRetryAfterOnA429OrA503EvenBeyondTheCap() {
        assertEquals(Duration.ofSeconds(29), doctl.backoff(0, 429, Optional.of("29"), NOW));
        assertEquals(Duration.ofSeconds(45), doctl.backoff(3, 503, Optional.of("45"), NOW));
        assertEquals(Duration.ofSeconds(12),
                doctl.backoff(0, 429, Optional.of("Fri, 07 Aug 2026 10:00:12 GMT"), NOW));
    }

    @Test
    void ignoresRetryAfterOnOtherStatusesAndWhenUnreadable() {
        assertEquals(Duration.ofSeconds(2), doctl.backoff(1, 500, Optional.of("29"), NOW));
        assertEquals(Duration.ofSeconds(4), doctl.backoff(2, 429, Optional.of("soon"), NOW));
        assertEquals(Duration.ofSeconds(1), doctl.backoff(0, 429, Optional.of("-3"), NOW));
    }
}
