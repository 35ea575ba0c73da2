package dev.dropletworker.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Per-token sliding windows: 250 per minute (burst, with retry-after) and 5,000 per hour. */
class RateLimitTest {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final long START_SECONDS = START.getEpochSecond();
    private static final String TOKEN = "dop_v1_first";
    private static final String OTHER = "dop_v1_second";

    private DigitalOceanSimulator simulator;

    private SimulatorClient start(SimulatorConfig.Builder config) {
        simulator = DigitalOceanSimulator.start(config.token(TOKEN).token(OTHER)
                .clock(Clock.fixed(START, ZoneOffset.UTC)).build());
        return new SimulatorClient(simulator.baseUrl(), TOKEN);
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void the251stRequestInAMinuteIs429AndTheWindowRecoversAsItSlides() {
        SimulatorClient api = start(SimulatorConfig.builder());
        api.seedDroplet("{\"id\":1,\"name\":\"polled\"}");

        for (int i = 1; i <= 249; i++) {
            SimulatorClient.Response r = api.get("/v2/droplets/1");
            assertEquals(200, r.status());
            assertEquals(String.valueOf(5000 - i), r.header("ratelimit-remaining"), "request " + i);
            assertEquals("5000", r.header("ratelimit-limit"));
            assertEquals(String.valueOf(START_SECONDS + 3600), r.header("ratelimit-reset"));
        }
        // The 250th is served, and the burst window is now full: remaining reads 0 though hourly quota is left.
        assertEquals("0", api.get("/v2/droplets/1").header("ratelimit-remaining"));

        simulator.advanceClock(Duration.ofSeconds(20));
        SimulatorClient.Response limited = api.get("/v2/droplets/1");
        assertEquals(429, limited.status());
        assertEquals("too_many_requests", limited.body().path("id").asText());
        assertEquals(limited.header("x-request-id"), limited.body().path("request_id").asText());
        assertEquals("40", limited.header("retry-after"));
        assertEquals("0", limited.header("ratelimit-remaining"));
        assertEquals(String.valueOf(START_SECONDS + 3600), limited.header("ratelimit-reset"));

        assertEquals(200, api.withToken(OTHER).get("/v2/droplets/1").status(), "limits are per token");

        simulator.advanceClock(Duration.ofSeconds(40));
        SimulatorClient.Response recovered = api.get("/v2/droplets/1");
        assertEquals(200, recovered.status());
        // The 250 counted requests still count for the hour; the refused one never counted.
        assertEquals("4749", recovered.header("ratelimit-remaining"));
        assertNull(recovered.header("retry-after"));

        assertEquals(1, api.accounting().path("too_many_requests").asLong());
        assertEquals(1, api.requestCount("token-1", "GET", "/v2/droplets/{id}", 429));
        assertEquals(251, api.requestCount("token-1", "GET", "/v2/droplets/{id}", 200));
        assertEquals(1, api.requestCount("token-2", "GET", "/v2/droplets/{id}", 200));
    }

    @Test
    void hourlyLimitSlidesAndItsRefusalsCarryNoRetryAfter() {
        SimulatorClient api = start(SimulatorConfig.builder().hourlyLimit(10).minuteLimit(6));
        for (int minute = 0; minute < 2; minute++) {
            for (int i = 0; i < 5; i++) {
                assertEquals(200, api.get("/v2/droplets").status());
            }
            simulator.advanceClock(Duration.ofMinutes(10));
        }
        // 10 requests: 5 at t=0 and 5 at t=10min. The hour is full.
        SimulatorClient.Response full = api.get("/v2/droplets");
        assertEquals(429, full.status());
        assertNull(full.header("retry-after"), "retry-after is only sent for the burst limit");
        assertEquals("0", full.header("ratelimit-remaining"));
        assertEquals(String.valueOf(START_SECONDS + 3600), full.header("ratelimit-reset"));

        // At t=60min the first five expire; the reset moves to when the next oldest expires.
        simulator.advanceClock(Duration.ofMinutes(40));
        SimulatorClient.Response slid = api.get("/v2/droplets");
        assertEquals(200, slid.status());
        assertEquals("4", slid.header("ratelimit-remaining"));
        assertEquals(String.valueOf(START_SECONDS + 600 + 3600), slid.header("ratelimit-reset"));
    }

    @Test
    void burstLimitRetryAfterCountsTheSecondsUntilTheOldestRequestLeavesTheMinute() {
        SimulatorClient api = start(SimulatorConfig.builder().minuteLimit(3));
        api.get("/v2/droplets");
        simulator.advanceClock(Duration.ofSeconds(10));
        api.get("/v2/droplets");
        api.get("/v2/droplets");
        simulator.advanceClock(Duration.ofMillis(500));

        SimulatorClient.Response r = api.get("/v2/droplets");
        assertEquals(429, r.status());
        assertEquals("50", r.header("retry-after"), "ceil(60 - 10.5)");

        simulator.advanceClock(Duration.ofMillis(49_500));
        assertEquals(200, api.get("/v2/droplets").status());
        assertEquals(429, api.get("/v2/droplets").status());
    }

    @Test
    void accountingReportsEachTokensPeaksInAnySlidingMinuteAndHourAndIts429s() {
        SimulatorClient api = start(SimulatorConfig.builder().minuteLimit(250));
        SimulatorControl control = new SimulatorControl(simulator.baseUrl());
        for (int i = 0; i < 100; i++) {
            api.get("/v2/droplets");
        }
        simulator.advanceClock(Duration.ofMillis(59_999));
        for (int i = 0; i < 100; i++) {
            api.get("/v2/droplets");
        }
        // One millisecond later the first hundred have left the minute: 100 + 60 stays below 200.
        simulator.advanceClock(Duration.ofMillis(1));
        for (int i = 0; i < 60; i++) {
            api.get("/v2/droplets");
        }
        api.withToken(OTHER).get("/v2/droplets");

        SimulatorControl.TokenWindows first = control.tokenWindows("token-1");
        assertEquals(new SimulatorControl.TokenWindows(260, 0, 200, 260), first);
        assertEquals(new SimulatorControl.TokenWindows(1, 0, 1, 1), control.tokenWindows("token-2"));

        // 90 more fill the burst limit (160 + 90 = 250); the next ten are refused and not counted.
        for (int i = 0; i < 100; i++) {
            api.get("/v2/droplets");
        }
        assertEquals(new SimulatorControl.TokenWindows(350, 10, 250, 350), control.tokenWindows("token-1"));
        assertEquals(10, api.requestCount("token-1", "GET", "/v2/droplets", 429));

        // An hour after the first hundred, the hour holds the other 250 only.
        simulator.advanceClock(Duration.ofMinutes(59));
        api.get("/v2/droplets");
        assertEquals(350, control.tokenWindows("token-1").peakHour(), "a peak is the most so far");

        control.reset();
        assertEquals(new SimulatorControl.TokenWindows(0, 0, 0, 0), control.tokenWindows("token-1"));
    }

    @Test
    void theMinuteIsExactToTheMillisecondSoNoSecondsEdgeLetsMoreThanTheLimitThrough() {
        SimulatorClient api = start(SimulatorConfig.builder().minuteLimit(10));
        simulator.advanceClock(Duration.ofMillis(900));
        for (int i = 0; i < 10; i++) {
            assertEquals(200, api.get("/v2/droplets").status());
        }
        // At 60.1 s the window (0.1 s, 60.1 s] still holds all ten, made at 0.9 s: the next is
        // refused, and told to come back when they leave, at 60.9 s.
        simulator.advanceClock(Duration.ofMillis(59_200));
        SimulatorClient.Response refused = api.get("/v2/droplets");
        assertEquals(429, refused.status());
        assertEquals("1", refused.header("retry-after"), "ceil(60.9 - 60.1)");
        simulator.advanceClock(Duration.ofMillis(799));
        assertEquals(429, api.get("/v2/droplets").status(), "at 60.899 s the ten are still in the minute");
        simulator.advanceClock(Duration.ofMillis(1));
        for (int i = 0; i < 10; i++) {
            assertEquals(200, api.get("/v2/droplets").status());
        }
        assertEquals(429, api.get("/v2/droplets").status());
        assertEquals(10, new SimulatorControl(simulator.baseUrl()).tokenWindows("token-1").peakMinute());
    }

    @Test
    void unauthenticatedRequestsAreNotCountedButCarryTheHeaders() {
        SimulatorClient api = start(SimulatorConfig.builder());
        SimulatorClient.Response r = api.send("GET", "/v2/droplets", null, null);
        assertEquals(401, r.status());
        assertEquals("5000", r.header("ratelimit-remaining"));
        assertEquals(String.valueOf(START_SECONDS), r.header("ratelimit-reset"));
        assertEquals("4999", api.get("/v2/droplets").header("ratelimit-remaining"));
        assertFalse(api.accounting().toString().contains(TOKEN), "accounting never shows a token");
        assertTrue(api.accounting().toString().contains("anonymous"));
    }
}
