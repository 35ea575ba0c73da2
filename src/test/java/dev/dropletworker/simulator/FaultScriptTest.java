package dev.dropletworker.simulator;

import static dev.dropletworker.simulator.SimulatorControl.ApiEndpoint.CREATE_DROPLETS;
import static dev.dropletworker.simulator.SimulatorControl.ApiEndpoint.GET_DROPLET;
import static dev.dropletworker.simulator.SimulatorControl.ApiEndpoint.LIST_DROPLETS;
import static dev.dropletworker.simulator.SimulatorControl.ApiEndpoint.POST_DROPLET_ACTION;
import static dev.dropletworker.simulator.SimulatorControl.ApiEndpoint.POST_TAG_ACTION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.simulator.SimulatorControl.FaultKind;
import dev.dropletworker.simulator.SimulatorControl.ScriptedFault;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Exact faults queued for the next requests of an endpoint ({@code /_sim/faults/script}). */
class FaultScriptTest {

    private static final String TOKEN = "dop_v1_script";
    private static final String ACTIONS = "POST /v2/droplets/{id}/actions";

    private static DigitalOceanSimulator simulator;
    private static SimulatorClient api;
    private static SimulatorControl control;

    @BeforeAll
    static void start() {
        simulator = DigitalOceanSimulator.start(SimulatorConfig.builder().token(TOKEN)
                .clock(Clock.fixed(Instant.parse("2026-07-01T00:00:00Z"), ZoneOffset.UTC))
                .actionDuration(Duration.ofMinutes(1)).build());
        api = new SimulatorClient(simulator.baseUrl(), TOKEN);
        control = new SimulatorControl(simulator.baseUrl());
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @BeforeEach
    void reset() {
        api.reset();
    }

    private static SimulatorClient.Response act(long droplet, String type) {
        return api.post("/v2/droplets/" + droplet + "/actions", "{\"type\":\"" + type + "\"}");
    }

    private static int actionCount(long droplet) {
        return api.get("/v2/droplets/" + droplet + "/actions").body().path("meta").path("total").asInt();
    }

    @Test
    void fourServiceUnavailableThenAnAppliedButLostAnswerInThatOrder() {
        long id = api.seedDroplet("{\"name\":\"web\"}");
        SimulatorControl.Reply posted = api.admin("POST", "faults/script", "["
                + "{\"endpoint\":\"" + ACTIONS + "\",\"fault\":\"server_error\",\"status\":503,\"times\":4},"
                + "{\"endpoint\":\"" + ACTIONS + "\",\"fault\":\"applied_but_lost\"}]");
        assertEquals(200, posted.status());
        assertEquals(5, posted.body().path("script").size());
        long since = control.lastSeq();

        assertEquals(200, api.get("/v2/droplets/" + id).status(), "other endpoints are not touched");
        for (int attempt = 1; attempt <= 4; attempt++) {
            SimulatorClient.Response r = act(id, "reboot");
            assertEquals(503, r.status(), "attempt " + attempt);
            assertEquals("server_error", r.body().path("id").asText());
            assertEquals("Unexpected server-side error", r.body().path("message").asText());
            assertEquals(r.header("x-request-id"), r.body().path("request_id").asText());
            assertEquals("5000", r.header("ratelimit-limit"));
            assertEquals(0, actionCount(id), "a server error applies nothing");
        }
        SimulatorClient.Response lost = act(id, "reboot");
        assertEquals(500, lost.status());
        assertEquals("server_error", lost.body().path("id").asText());
        assertEquals(1, actionCount(id), "the fifth was applied");
        assertTrue(api.get("/v2/droplets/" + id).body().path("droplet").path("locked").asBoolean());
        assertEquals(422, act(id, "reboot").status(), "the script is used up; the Droplet is busy");

        JsonNode accounting = api.accounting();
        assertEquals(4, accounting.path("scripted_faults_injected").path("server_error").asLong());
        assertEquals(1, control.scriptedFaultsInjected(FaultKind.APPLIED_BUT_LOST));
        accounting.path("faults_injected").forEach(n -> assertEquals(0, n.asLong(), "no random fault"));
        assertTrue(control.faultScript().isEmpty());
        List<String> faults = new ArrayList<>();
        control.requestsSince(since).stream().filter(e -> e.path("method").asText().equals("POST"))
                .forEach(e -> faults.add(e.path("status").asInt() + " " + e.path("fault").asText("-")));
        assertEquals(List.of("503 server_error", "503 server_error", "503 server_error", "503 server_error",
                "500 applied_but_lost", "422 -"), faults, "the request log names each request's fault");
    }

    @Test
    void resetsCloseTheConnectionWithTheRequestAppliedOrNot() {
        long id = api.seedDroplet("{\"name\":\"web\"}");
        control.scriptFaults(ScriptedFault.reset(POST_DROPLET_ACTION),
                ScriptedFault.appliedButLostReset(POST_DROPLET_ACTION));

        assertThrows(UncheckedIOException.class, () -> act(id, "power_off"));
        assertEquals(0, actionCount(id), "a reset applies nothing");
        assertThrows(UncheckedIOException.class, () -> act(id, "power_off"));
        assertEquals(1, actionCount(id), "applied, then the connection closed");

        assertEquals(1, control.scriptedFaultsInjected(FaultKind.RESET));
        assertEquals(1, control.scriptedFaultsInjected(FaultKind.APPLIED_BUT_LOST_RESET));
        assertEquals(0, control.requestCount("token-1", "POST", "/v2/droplets/{id}/actions", 201));
        assertEquals(2, control.requestCount("token-1", "POST", "/v2/droplets/{id}/actions", 0), "no response");
    }

    @Test
    void partialCreateMakesOnlyTheFirstNamesEachWithItsCreateActionAndTheRequestsTags() {
        control.scriptFaults(ScriptedFault.partialCreate(3));
        String create = "{\"names\":[\"p-1\",\"p-2\",\"p-3\",\"p-4\",\"p-5\"],\"size\":\"s-1vcpu-1gb\","
                + "\"image\":\"u\",\"tags\":[\"job-9\",\"env:test\"]}";

        SimulatorClient.Response r = api.post("/v2/droplets", create);

        assertEquals(500, r.status());
        assertEquals("server_error", r.body().path("id").asText());
        JsonNode tagged = api.get("/v2/droplets?tag_name=job-9").body();
        assertEquals(3, tagged.path("meta").path("total").asInt());
        List<String> names = new ArrayList<>();
        for (JsonNode d : tagged.path("droplets")) {
            names.add(d.path("name").asText());
            assertEquals(List.of("job-9", "env:test"), DropletEndpointsTest.texts(d.path("tags")));
            JsonNode actions = api.get("/v2/droplets/" + d.path("id").asLong() + "/actions").body().path("actions");
            assertEquals(1, actions.size());
            assertEquals("create", actions.get(0).path("type").asText());
        }
        assertEquals(List.of("p-1", "p-2", "p-3"), names);
        assertEquals(0, api.get("/v2/droplets?name=p-4").body().path("meta").path("total").asInt());
        assertEquals(3, api.accounting().path("droplets_created_per_tag").path("job-9").asInt());
        assertEquals(1, control.scriptedFaultsInjected(FaultKind.PARTIAL_CREATE));

        simulator.advanceClock(Duration.ofMinutes(1));
        assertEquals("active", api.get("/v2/droplets?name=p-1").body().path("droplets").get(0).path("status").asText());
        assertEquals(202, api.post("/v2/droplets", create).status(), "one step, one request");
    }

    @Test
    void partialCreateOfNoneMakesNothing() {
        control.scriptFaults(ScriptedFault.partialCreate(0).status(503));
        SimulatorClient.Response r = api.post("/v2/droplets", "{\"name\":\"none\",\"size\":\"s\",\"image\":\"u\"}");
        assertEquals(503, r.status());
        assertEquals(0, api.get("/v2/droplets").body().path("meta").path("total").asInt());
    }

    @Test
    void stepsCanBeLimitedToADropletATagOrAName() {
        long a = api.seedDroplet("{\"name\":\"a\",\"tags\":[\"x\"]}");
        long b = api.seedDroplet("{\"name\":\"b\",\"tags\":[\"y\"]}");
        control.scriptFaults(ScriptedFault.serverError(POST_DROPLET_ACTION).forDroplet(b),
                ScriptedFault.serverError(POST_TAG_ACTION).forTag("y"),
                ScriptedFault.reset(CREATE_DROPLETS).forName("web-7"));

        assertEquals(201, act(a, "power_cycle").status(), "another Droplet's request passes by the step");
        assertEquals(500, act(b, "power_cycle").status());
        simulator.advanceClock(Duration.ofMinutes(1));
        assertEquals(201, api.post("/v2/droplets/actions?tag_name=x", "{\"type\":\"power_on\"}").status());
        assertEquals(500, api.post("/v2/droplets/actions?tag_name=y", "{\"type\":\"power_on\"}").status());
        assertEquals(202, api.post("/v2/droplets", "{\"name\":\"web-6\",\"size\":\"s\",\"image\":\"u\"}").status());
        assertThrows(UncheckedIOException.class,
                () -> api.post("/v2/droplets", "{\"names\":[\"web-8\",\"web-7\"],\"size\":\"s\",\"image\":\"u\"}"));
        assertTrue(control.faultScript().isEmpty());
    }

    @Test
    void aLostAnswerIsLostWhateverItSaid() {
        long id = api.seedDroplet("{\"name\":\"busy\"}");
        act(id, "power_off");
        control.scriptFaults(ScriptedFault.appliedButLost(POST_DROPLET_ACTION));

        assertEquals(500, act(id, "power_on").status(), "the 422 behind it is lost too");
        assertEquals(1, api.accounting().path("pending_event_conflicts").asLong());
        assertEquals(1, actionCount(id));
    }

    @Test
    void onlyRequestsThatPassAuthenticationAndTheRateLimitTakeAStep() {
        long id = api.seedDroplet("{\"name\":\"limited\"}");
        control.scriptFaults(ScriptedFault.serverError(LIST_DROPLETS));
        assertEquals(401, api.send("GET", "/v2/droplets", null, null).status());
        assertEquals(1, control.faultScript().size());

        api.control("PUT", "rate-limits", "{\"minute\":1}");
        assertEquals(200, api.get("/v2/droplets/" + id).status());
        assertEquals(429, api.get("/v2/droplets").status());
        assertEquals(1, control.faultScript().size(), "a 429 leaves the step");

        simulator.advanceClock(Duration.ofMinutes(1));
        assertEquals(500, api.get("/v2/droplets").status());
        assertEquals(0, control.faultScript().size());
    }

    @Test
    void scriptedStepsComeBeforeTheRatesAndTheRatesSkipThatRequest() {
        api.control("PUT", "faults", "{\"server_error_rate\":1,\"endpoints\":[\"" + ACTIONS + "\"]}");
        // A POST: the JDK client sends a GET again by itself when its connection is reset.
        control.scriptFaults(ScriptedFault.appliedButLostReset(POST_DROPLET_ACTION));
        long id = api.seedDroplet("{\"name\":\"web\"}");

        assertThrows(UncheckedIOException.class, () -> act(id, "reboot"));
        assertEquals(1, actionCount(id), "applied: the rate's 500 did not come first");
        assertEquals(0, api.accounting().path("faults_injected").path("server_error").asLong());
        assertEquals(500, act(id, "reboot").status(), "the rate applies again once the step is taken");
        assertEquals(1, api.accounting().path("faults_injected").path("server_error").asLong());
        assertEquals(1, control.scriptedFaultsInjected(FaultKind.APPLIED_BUT_LOST_RESET));
    }

    @Test
    void theScriptReadsBackInOrderAndResetOrClearingDropsIt() {
        control.scriptFaults(ScriptedFault.serverError(POST_DROPLET_ACTION).status(503).forDroplet(7).times(2),
                ScriptedFault.partialCreate(2).forName("n-1"));
        List<JsonNode> script = control.faultScript();
        assertEquals(3, script.size());
        assertEquals("{\"endpoint\":\"POST /v2/droplets\",\"fault\":\"partial_create\",\"status\":500,\"count\":2,"
                + "\"name\":\"n-1\"}", script.get(0).toString());
        assertEquals("{\"endpoint\":\"POST /v2/droplets/{id}/actions\",\"fault\":\"server_error\",\"status\":503,"
                + "\"droplet_id\":7}", script.get(1).toString());

        control.reset();
        assertTrue(control.faultScript().isEmpty());
        control.scriptFaults(ScriptedFault.reset(GET_DROPLET));
        control.clearFaults();
        assertTrue(control.faultScript().isEmpty(), "clearing the faults clears the script");
        assertEquals(204, api.admin("DELETE", "faults/script", null).status());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"endpoint\":\"POST /v2/droplets/{id}/actions\",\"fault\":\"partial_create\",\"count\":1}",
        "{\"endpoint\":\"POST /v2/droplets\",\"fault\":\"partial_create\"}",
        "{\"endpoint\":\"POST /v2/droplets\",\"fault\":\"partial_create\",\"count\":11}",
        "{\"endpoint\":\"POST /v2/droplets\",\"fault\":\"server_error\",\"count\":1}",
        "{\"endpoint\":\"GET /v2/actions/{id}\",\"fault\":\"applied_but_lost\"}",
        "{\"endpoint\":\"GET /v2/actions/{id}\",\"fault\":\"explode\"}",
        "{\"endpoint\":\"GET /v2/nothing\",\"fault\":\"reset\"}",
        "{\"fault\":\"reset\"}",
        "{\"endpoint\":\"GET /v2/actions/{id}\",\"fault\":\"server_error\",\"status\":404}",
        "{\"endpoint\":\"GET /v2/actions/{id}\",\"fault\":\"server_error\",\"status\":\"503\"}",
        "{\"endpoint\":\"GET /v2/actions/{id}\",\"fault\":\"reset\",\"status\":500}",
        "{\"endpoint\":\"GET /v2/actions/{id}\",\"fault\":\"reset\",\"droplet_id\":5}",
        "{\"endpoint\":\"POST /v2/droplets/{id}/actions\",\"fault\":\"reset\",\"tag_name\":\"x\"}",
        "{\"endpoint\":\"POST /v2/droplets/{id}/actions\",\"fault\":\"reset\",\"name\":\"x\"}",
        "{\"endpoint\":\"POST /v2/droplets/{id}/actions\",\"fault\":\"reset\",\"times\":0}",
        "{\"endpoint\":\"POST /v2/droplets/{id}/actions\",\"fault\":\"reset\",\"droplet\":5}",
        "\"reset\""})
    void aBadStepIsRefusedAndNothingOfItsScriptIsQueued(String step) {
        String valid = "{\"endpoint\":\"GET /v2/droplets\",\"fault\":\"reset\"}";
        SimulatorControl.Reply r = api.admin("POST", "faults/script", "[" + valid + "," + step + "]");

        assertEquals(400, r.status(), r.text());
        assertEquals("bad_request", r.body().path("id").asText());
        assertTrue(r.body().path("message").asText().startsWith("[1]"), r.text());
        assertTrue(control.faultScript().isEmpty());
    }

    @Test
    void aScriptIsAnArray() {
        assertEquals(400, api.admin("POST", "faults/script", "{\"endpoint\":\"GET /v2/droplets\"}").status());
        assertEquals(404, api.admin("GET", "faults/scripts", null).status());
    }

    @Test
    void clientEndpointNamesAreTheSimulatorsOwn() {
        assertEquals(Endpoint.labels(),
                Arrays.stream(SimulatorControl.ApiEndpoint.values()).map(e -> e.label).toList());
        assertEquals(Arrays.stream(FaultScript.Kind.values()).map(k -> k.wireName).toList(),
                Arrays.stream(FaultKind.values()).map(k -> k.wireName).toList());
        assertFalse(control.faultScript().iterator().hasNext());
    }
}
