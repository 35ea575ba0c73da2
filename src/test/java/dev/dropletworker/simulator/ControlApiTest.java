package dev.dropletworker.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@code /_sim/} control API that the worker's integration tests rely on. */
class ControlApiTest {

    private static final String TOKEN = "dop_v1_control_first";
    private static final String SECOND = "dop_v1_control_second";

    private static DigitalOceanSimulator simulator;
    private static SimulatorClient api;

    @BeforeAll
    static void start() {
        simulator = DigitalOceanSimulator.start(SimulatorConfig.builder().token(TOKEN).token(SECOND)
                .clock(Clock.fixed(Instant.parse("2026-05-01T00:00:00Z"), ZoneOffset.UTC))
                .actionDuration(Duration.ofSeconds(10)).build());
        api = new SimulatorClient(simulator.baseUrl(), TOKEN);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @BeforeEach
    void reset() {
        api.reset();
    }

    @Test
    void seededDropletIsSettledWithNetworksAndNoAction() {
        SimulatorControl.Reply r = api.admin("POST", "droplets", "{\"id\":123,\"name\":\"web-1\",\"tags\":[\"a\"],"
                + "\"region\":\"ams3\",\"size\":\"s-2vcpu-4gb\",\"image\":\"debian-12-x64\"}");

        assertEquals(201, r.status());
        JsonNode droplet = r.body().path("droplet");
        assertEquals(123, droplet.path("id").asLong());
        assertEquals("active", droplet.path("status").asText());
        assertFalse(droplet.path("locked").asBoolean());
        assertEquals(2, droplet.path("networks").path("v4").size());
        assertEquals("ams3", droplet.path("region").path("slug").asText());
        assertEquals(4096, droplet.path("memory").asInt());
        assertEquals("debian-12-x64", droplet.path("image").path("slug").asText());
        assertEquals(droplet, api.get("/v2/droplets/123").body().path("droplet"));
        assertEquals(0, api.get("/v2/droplets/123/actions").body().path("meta").path("total").asInt());

        assertEquals(400, api.admin("POST", "droplets", "{\"id\":123}").status(), "duplicate id");
        assertEquals(400, api.admin("POST", "droplets", "{\"status\":\"running\"}").status());
        assertEquals(400, api.admin("POST", "droplets", "{\"nmae\":\"typo\"}").status());
        assertEquals("off", api.control("POST", "droplets", "{\"status\":\"off\"}").path("droplet").path("status").asText());
    }

    @Test
    void nextActionOutcomeNeedsAKnownDropletAndAStatus() {
        assertEquals(404, api.admin("POST", "droplets/77/next-action-outcome", "{\"status\":\"errored\"}").status());
        long id = api.seedDroplet("{\"name\":\"x\"}");
        assertEquals(400, api.admin("POST", "droplets/" + id + "/next-action-outcome", "{\"status\":\"failed\"}").status());
        assertEquals(204, api.admin("POST", "droplets/" + id + "/next-action-outcome", "{\"status\":\"completed\"}").status());
        assertEquals(204, api.admin("POST", "next-create-outcome", "{\"status\":\"errored\"}").status());
    }

    @Test
    void requestLogShowsApiRequestsWithParsedBodiesButNotTokensOrUserData() {
        long id = api.seedDroplet("{\"name\":\"web\"}");
        api.get("/v2/droplets?tag_name=a");
        api.post("/v2/droplets/" + id + "/actions", "{\"type\":\"reboot\"}");
        api.withToken(SECOND).post("/v2/droplets",
                "{\"name\":\"n\",\"size\":\"s-1vcpu-1gb\",\"image\":\"u\",\"user_data\":\"#!/bin/sh\\necho secret\"}");

        JsonNode log = api.control("GET", "requests?since=0", null);
        assertEquals(3, log.path("last_seq").asLong());
        JsonNode entries = log.path("requests");
        assertEquals(3, entries.size());
        JsonNode list = entries.get(0);
        assertEquals(1, list.path("seq").asLong());
        assertEquals("GET", list.path("method").asText());
        assertEquals("/v2/droplets", list.path("path").asText());
        assertEquals("tag_name=a", list.path("query").asText());
        assertEquals(200, list.path("status").asInt());
        assertTrue(list.path("body").isNull());
        JsonNode action = entries.get(1);
        assertEquals("/v2/droplets/{id}/actions", action.path("endpoint").asText());
        assertEquals(201, action.path("status").asInt());
        assertEquals("token-1", action.path("token").asText());
        assertEquals("reboot", action.path("body").path("type").asText());
        JsonNode create = entries.get(2);
        assertEquals("token-2", create.path("token").asText());
        assertEquals("<21 bytes>", create.path("body").path("user_data").asText());

        assertEquals(List.of(3L), seqs(api.control("GET", "requests?since=2", null)));
        String everything = log.toString() + api.accounting();
        assertFalse(everything.contains(TOKEN) || everything.contains(SECOND) || everything.contains("secret"));
    }

    @Test
    void accountingCountsRequestsByTokenEndpointAndStatus() {
        long id = api.seedDroplet("{\"name\":\"web\"}");
        api.get("/v2/droplets/" + id);
        api.get("/v2/droplets/" + id);
        api.get("/v2/droplets/999");
        api.withToken(SECOND).get("/v2/droplets/" + id);

        JsonNode accounting = api.accounting();
        for (String key : List.of("requests", "too_many_requests", "droplets_created_per_tag",
                "max_in_progress_actions_per_droplet", "faults_injected")) {
            assertTrue(accounting.has(key), key);
        }
        for (String fault : List.of("server_error", "dropped_connection", "applied_but_lost", "not_found_after_create")) {
            assertEquals(0, accounting.path("faults_injected").path(fault).asInt(), fault);
        }
        assertEquals(2, api.requestCount("token-1", "GET", "/v2/droplets/{id}", 200));
        assertEquals(1, api.requestCount("token-1", "GET", "/v2/droplets/{id}", 404));
        assertEquals(1, api.requestCount("token-2", "GET", "/v2/droplets/{id}", 200));
        assertEquals(4, accounting.path("requests").size() + 1, "three distinct rows, control calls not counted");
    }

    @Test
    void resetForgetsEverything() {
        long id = api.seedDroplet("{\"name\":\"web\"}");
        api.post("/v2/droplets/" + id + "/actions", "{\"type\":\"reboot\"}");
        api.control("PUT", "faults", "{\"latency_ms\":{\"fixed\":1}}");
        api.control("PUT", "action-durations", "{\"default\":5}");

        api.reset();

        assertEquals(0, api.control("GET", "requests?since=0", null).path("last_seq").asLong());
        assertEquals(0, api.accounting().path("requests").size());
        assertEquals(0, api.control("GET", "faults", null).path("latency_ms").path("fixed").asInt());
        assertEquals(10_000, api.control("GET", "action-durations", null).path("default").asInt());
        SimulatorClient.Response gone = api.get("/v2/droplets/" + id);
        assertEquals(404, gone.status());
        assertEquals("4999", gone.header("ratelimit-remaining"), "rate windows start afresh");
    }

    @Test
    void actionDurationsAreSetPerTypeAndActionsFinishWhenTheClockMoves() {
        api.control("PUT", "action-durations", "{\"default\":300,\"create\":500}");
        assertEquals(300, api.control("GET", "action-durations", null).path("default").asInt());
        assertEquals(500, api.control("GET", "action-durations", null).path("create").asInt());
        assertEquals(400, api.admin("PUT", "action-durations", "{\"teleport\":1}").status());

        JsonNode created = api.post("/v2/droplets", "{\"name\":\"c\",\"size\":\"s-1vcpu-1gb\",\"image\":\"u\"}").body();
        long action = created.path("links").path("actions").get(0).path("id").asLong();

        api.control("POST", "clock/advance", "{\"millis\":300}");
        assertEquals("in-progress", api.get("/v2/actions/" + action).body().path("action").path("status").asText());
        JsonNode clock = api.control("POST", "clock/advance", "{\"millis\":200}");
        assertTrue(clock.path("now").asText().startsWith("2026-05-01"));
        assertEquals("completed", api.get("/v2/actions/" + action).body().path("action").path("status").asText());
    }

    @Test
    void actionDurationRangesDrawEachActionUniformlyAndRepeatablyForTheSeed() {
        api.control("PUT", "action-durations", "{\"reboot\":{\"min_ms\":10000,\"max_ms\":30000},\"default\":2000}");
        JsonNode durations = api.control("GET", "action-durations", null);
        assertEquals(10_000, durations.path("reboot").path("min_ms").asLong());
        assertEquals(30_000, durations.path("reboot").path("max_ms").asLong());
        assertEquals(2000, durations.path("default").asLong(), "a fixed duration reads back as a number");

        List<Long> first = rebootDurations(40);
        assertTrue(first.stream().allMatch(ms -> ms >= 10_000 && ms <= 30_000), first.toString());
        assertTrue(first.stream().anyMatch(ms -> ms < 15_000) && first.stream().anyMatch(ms -> ms > 25_000),
                "spread over the range: " + first);
        assertTrue(first.stream().distinct().count() >= 10, "drawn per action: " + first);

        api.reset();
        new SimulatorControl(simulator.baseUrl()).actionDurationRange("reboot", Duration.ofSeconds(10),
                Duration.ofSeconds(30));
        assertEquals(first, rebootDurations(40), "the same requests after a reset draw the same durations");

        try (DigitalOceanSimulator other = DigitalOceanSimulator.start(SimulatorConfig.builder().token(TOKEN)
                .clock(Clock.fixed(Instant.parse("2026-05-01T00:00:00Z"), ZoneOffset.UTC)).seed(99)
                .actionDuration("reboot", Duration.ofSeconds(10), Duration.ofSeconds(30)).build())) {
            List<Long> otherSeed = rebootDurations(new SimulatorClient(other.baseUrl(), TOKEN), other, 40);
            assertTrue(otherSeed.stream().allMatch(ms -> ms >= 10_000 && ms <= 30_000), otherSeed.toString());
            assertFalse(otherSeed.equals(first), "another seed, other durations");
        }

        assertEquals(400, api.admin("PUT", "action-durations", "{\"reboot\":{\"min_ms\":5,\"max_ms\":4}}").status());
        assertEquals(400, api.admin("PUT", "action-durations", "{\"reboot\":{\"min_ms\":5}}").status());
        assertEquals(400, api.admin("PUT", "action-durations", "{\"reboot\":{\"min_ms\":-1,\"max_ms\":4}}").status());
        assertEquals(400, api.admin("PUT", "action-durations",
                "{\"reboot\":{\"min_ms\":1,\"max_ms\":4,\"mean_ms\":2}}").status());
    }

    private static List<Long> rebootDurations(int droplets) {
        return rebootDurations(api, simulator, droplets);
    }

    /**
     * Starts a reboot on each of {@code droplets} fresh Droplets at one instant (the clock stands
     * still) and reads how long each ran, rounded up to the second: the clock moves a second at a
     * time and one read of the action list per step shows which have completed.
     */
    private static List<Long> rebootDurations(SimulatorClient client, DigitalOceanSimulator sim, int droplets) {
        List<Long> actions = new ArrayList<>();
        for (int i = 0; i < droplets; i++) {
            long id = client.seedDroplet("{\"name\":\"r-" + i + "\"}");
            actions.add(client.post("/v2/droplets/" + id + "/actions", "{\"type\":\"reboot\"}").body()
                    .path("action").path("id").asLong());
        }
        Map<Long, Long> durations = new HashMap<>();
        long elapsed = 0;
        while (durations.size() < actions.size() && elapsed <= 31_000) {
            sim.advanceClock(Duration.ofSeconds(1));
            elapsed += 1000;
            for (JsonNode a : client.get("/v2/actions?per_page=200").body().path("actions")) {
                long id = a.path("id").asLong();
                if (actions.contains(id) && a.path("status").asText().equals("completed")) {
                    durations.putIfAbsent(id, elapsed);
                }
            }
        }
        List<Long> out = new ArrayList<>();
        actions.forEach(id -> out.add(durations.get(id)));
        return out;
    }

    @Test
    void unknownControlPathsAre404AndBadBodies400() {
        assertEquals(404, api.admin("GET", "nothing", null).status());
        assertEquals(400, api.admin("PUT", "faults", "not json").status());
        assertEquals(400, api.admin("POST", "clock/advance", "{\"seconds\":-1}").status());
    }

    @Test
    void withoutConfiguredTokensAnyBearerTokenIsAcceptedAndLabelledByItsHash() {
        try (DigitalOceanSimulator open = DigitalOceanSimulator.start(SimulatorConfig.defaults())) {
            SimulatorClient client = new SimulatorClient(open.baseUrl(), "anything-at-all");
            assertTrue(open.baseUrl().matches("http://127\\.0\\.0\\.1:\\d+"));
            assertEquals(open.port(), Integer.parseInt(open.baseUrl().replaceAll(".*:", "")));
            assertEquals(200, client.get("/v2/droplets").status());
            assertEquals(401, client.send("GET", "/v2/droplets", null, null).status());
            // First 8 hex digits of SHA-256("anything-at-all").
            assertEquals(1, client.requestCount("f0c8e07a", "GET", "/v2/droplets", 200));
        }
    }

    private static List<Long> seqs(JsonNode log) {
        return java.util.stream.StreamSupport.stream(log.path("requests").spliterator(), false)
                .map(e -> e.path("seq").asLong()).toList();
    }
}
