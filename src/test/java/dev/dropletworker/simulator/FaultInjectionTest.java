package dev.dropletworker.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each fault, switched on, is visible to a client and counted in the accounting. */
class FaultInjectionTest {

    private static final String TOKEN = "dop_v1_faults";
    private static final String CREATE =
            "{\"name\":\"web-lost\",\"size\":\"s-1vcpu-1gb\",\"image\":\"ubuntu-24-04-x64\",\"tags\":[\"job-7\"]}";

    private static DigitalOceanSimulator simulator;
    private static SimulatorClient api;

    @BeforeAll
    static void start() {
        simulator = DigitalOceanSimulator.start(SimulatorConfig.builder().token(TOKEN)
                .actionDuration(Duration.ofMinutes(1)).build());
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

    private static long faultCount(String kind) {
        return api.accounting().path("faults_injected").path(kind).asLong();
    }

    @Test
    void serverErrorsAre500sThatChangeNothing() {
        long id = api.seedDroplet("{\"name\":\"web\"}");
        api.control("PUT", "faults", "{\"server_error_rate\":1}");

        SimulatorClient.Response r = api.post("/v2/droplets/" + id + "/actions", "{\"type\":\"power_off\"}");

        assertEquals(500, r.status());
        assertEquals("server_error", r.body().path("id").asText());
        assertEquals(r.header("x-request-id"), r.body().path("request_id").asText());
        assertEquals("5000", r.header("ratelimit-limit"));
        assertEquals(1, faultCount("server_error"));
        assertEquals(1, api.requestCount("token-1", "POST", "/v2/droplets/{id}/actions", 500));
        api.control("PUT", "faults", "{\"server_error_rate\":0}");
        assertFalse(api.get("/v2/droplets/" + id).body().path("droplet").path("locked").asBoolean());
    }

    @Test
    void droppedConnectionsCloseWithoutAResponse() {
        api.control("PUT", "faults", "{\"drop_connection_rate\":1}");

        assertThrows(UncheckedIOException.class, () -> api.post("/v2/droplets", CREATE));

        assertEquals(1, faultCount("dropped_connection"));
        api.control("PUT", "faults", "{\"drop_connection_rate\":0}");
        assertEquals(0, api.get("/v2/droplets").body().path("meta").path("total").asInt(), "nothing was applied");
        JsonNode logged = api.control("GET", "requests?since=0", null).path("requests").get(0);
        assertEquals(0, logged.path("status").asInt(), "status 0 stands for no response");
    }

    @Test
    void appliedButLostCreateAnswers500YetTheDropletExists() {
        api.control("PUT", "faults", "{\"applied_but_lost_rate\":1}");

        SimulatorClient.Response r = api.post("/v2/droplets", CREATE);

        assertEquals(500, r.status());
        assertEquals("server_error", r.body().path("id").asText());
        assertEquals(1, faultCount("applied_but_lost"));
        // Exactly the trap behind duplicate Droplets: look before creating again.
        JsonNode found = api.get("/v2/droplets?name=web-lost").body();
        assertEquals(1, found.path("meta").path("total").asInt());
        assertEquals(1, api.accounting().path("droplets_created_per_tag").path("job-7").asInt());
        // GETs are never "applied but lost".
        assertEquals(200, api.get("/v2/droplets").status());
    }

    @Test
    void appliedButLostCanAlsoResetTheConnection() {
        long id = api.seedDroplet("{\"name\":\"web\"}");
        api.control("PUT", "faults", "{\"applied_but_lost_rate\":1,\"applied_but_lost_response\":\"reset\"}");

        assertThrows(UncheckedIOException.class,
                () -> api.post("/v2/droplets/" + id + "/actions", "{\"type\":\"power_off\"}"));

        assertEquals(1, faultCount("applied_but_lost"));
        JsonNode actions = api.get("/v2/droplets/" + id + "/actions").body();
        assertEquals(1, actions.path("meta").path("total").asInt(), "the action was started");
        assertTrue(api.get("/v2/droplets/" + id).body().path("droplet").path("locked").asBoolean());
    }

    @Test
    void latencyDelaysEveryResponse() {
        api.control("PUT", "faults", "{\"latency_ms\":{\"fixed\":300,\"jitter\":50}}");

        long started = System.nanoTime();
        assertEquals(200, api.get("/v2/droplets").status());
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertTrue(tookMs >= 300, "took " + tookMs + " ms");
        api.control("PUT", "faults", "{\"latency_ms\":{\"fixed\":0,\"jitter\":0}}");
    }

    @Test
    void newDropletIsNotFoundForAWhileAfterItsCreate() {
        long seeded = api.seedDroplet("{\"name\":\"old\"}");
        api.control("PUT", "faults", "{\"not_found_after_create_ms\":5000}");
        long id = api.post("/v2/droplets", CREATE).body().path("droplet").path("id").asLong();

        SimulatorClient.Response hidden = api.get("/v2/droplets/" + id);
        assertEquals(404, hidden.status());
        assertEquals("not_found", hidden.body().path("id").asText());
        assertEquals(200, api.get("/v2/droplets/" + seeded).status());
        assertEquals(1, faultCount("not_found_after_create"));

        simulator.advanceClock(Duration.ofSeconds(5));
        assertEquals(200, api.get("/v2/droplets/" + id).status());
    }

    @Test
    void erroredProbabilityMakesActionsEndErrored() {
        long id = api.seedDroplet("{\"name\":\"web\"}");
        api.control("PUT", "faults", "{\"errored_probability\":1}");
        long action = api.post("/v2/droplets/" + id + "/actions", "{\"type\":\"reboot\"}").body()
                .path("action").path("id").asLong();

        simulator.advanceClock(Duration.ofMinutes(1));

        assertEquals("errored", api.get("/v2/actions/" + action).body().path("action").path("status").asText());
    }

    @Test
    void faultsCanTargetOneEndpoint() {
        long id = api.seedDroplet("{\"name\":\"web\"}");
        api.control("PUT", "faults",
                "{\"server_error_rate\":1,\"endpoints\":[\"POST /v2/droplets/{id}/actions\"]}");

        assertEquals(200, api.get("/v2/droplets/" + id).status());
        assertEquals(500, api.post("/v2/droplets/" + id + "/actions", "{\"type\":\"reboot\"}").status());
    }

    @Test
    void faultSettingsReadBackAndRefuseUnknownFields() {
        api.control("PUT", "faults", "{\"server_error_rate\":0.25,\"latency_ms\":{\"fixed\":5,\"jitter\":2}}");
        api.control("PUT", "faults", "{\"drop_connection_rate\":0.5}");

        JsonNode faults = api.control("GET", "faults", null);
        assertEquals(0.25, faults.path("server_error_rate").asDouble(), "fields not given keep their value");
        assertEquals(0.5, faults.path("drop_connection_rate").asDouble());
        assertEquals(5, faults.path("latency_ms").path("fixed").asInt());
        assertEquals(2, faults.path("latency_ms").path("jitter").asInt());

        assertEquals(400, api.admin("PUT", "faults", "{\"server_eror_rate\":1}").status());
        assertEquals(400, api.admin("PUT", "faults", "{\"server_error_rate\":2}").status());
        assertEquals(400, api.admin("PUT", "faults", "{\"endpoints\":[\"GET /v2/nothing\"]}").status());

        api.reset();
        assertEquals(0, api.control("GET", "faults", null).path("server_error_rate").asDouble());
    }

    @Test
    void faultsConfiguredAtStartApplyAndSurviveReset() {
        try (DigitalOceanSimulator faulty = DigitalOceanSimulator.start(SimulatorConfig.builder().token(TOKEN)
                .serverErrorRate(1).faultEndpoint("GET /v2/droplets").build())) {
            SimulatorClient client = new SimulatorClient(faulty.baseUrl(), TOKEN);
            assertEquals(500, client.get("/v2/droplets").status());
            client.reset();
            assertEquals(500, client.get("/v2/droplets").status());
            assertEquals(404, client.get("/v2/droplets/1").status());
        }
    }
}
