package dev.dropletworker.simulator;

import static dev.dropletworker.simulator.DropletEndpointsTest.texts;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Contract of the Droplet action endpoints, per Droplet, by tag, and the global actions. */
class ActionEndpointsTest {

    private static final String TOKEN = "dop_v1_actions";
    private static final Duration ACTION = Duration.ofMinutes(1);
    private static final List<String> BULK_TYPES = List.of("power_cycle", "power_on", "power_off", "shutdown",
            "enable_ipv6", "enable_backups", "disable_backups", "snapshot");

    private static DigitalOceanSimulator simulator;
    private static SimulatorClient api;

    @BeforeAll
    static void start() {
        simulator = DigitalOceanSimulator.start(SimulatorConfig.builder().token(TOKEN).actionDuration(ACTION).build());
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

    private static long seed(String name) {
        return api.seedDroplet("{\"name\":\"" + name + "\"}");
    }

    private static SimulatorClient.Response act(long droplet, String body) {
        return api.post("/v2/droplets/" + droplet + "/actions", body);
    }

    private static JsonNode droplet(long id) {
        return api.get("/v2/droplets/" + id).body().path("droplet");
    }

    @Test
    void actionIsCreatedInProgressAndLocksItsDroplet() {
        long id = seed("web");
        assertFalse(droplet(id).path("locked").asBoolean());

        SimulatorClient.Response r = act(id, "{\"type\":\"reboot\"}");

        assertEquals(201, r.status());
        JsonNode action = r.body().path("action");
        assertEquals("in-progress", action.path("status").asText());
        assertEquals("reboot", action.path("type").asText());
        assertTrue(action.path("started_at").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
        assertTrue(action.path("completed_at").isNull());
        assertEquals(id, action.path("resource_id").asLong());
        assertEquals("droplet", action.path("resource_type").asText());
        assertEquals("nyc3", action.path("region_slug").asText());
        assertTrue(droplet(id).path("locked").asBoolean());
    }

    @Test
    void secondActionOnABusyDropletIsAPendingEventUntilTheFirstCompletes() {
        api.control("PUT", "action-durations", "{\"default\":300}");
        long id = seed("busy");
        long first = act(id, "{\"type\":\"power_off\"}").body().path("action").path("id").asLong();

        SimulatorClient.Response conflict = act(id, "{\"type\":\"power_on\"}");
        assertEquals(422, conflict.status());
        assertEquals("unprocessable_entity", conflict.body().path("id").asText());
        assertEquals("Droplet already has a pending event.", conflict.body().path("message").asText());

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(
                () -> api.get("/v2/actions/" + first).body().path("action").path("status").asText().equals("completed"));
        assertFalse(droplet(id).path("locked").asBoolean());
        assertEquals(201, act(id, "{\"type\":\"power_on\"}").status());

        JsonNode accounting = api.accounting();
        assertEquals(1, accounting.path("pending_event_conflicts").asInt());
        assertEquals(1, accounting.path("max_in_progress_actions_per_droplet").asInt());
    }

    @Test
    void busyDropletConflictsAreCountedPerEndpointAndPerDroplet() {
        long busy = api.seedDroplet("{\"name\":\"busy\",\"tags\":[\"pool\"]}");
        long idle = api.seedDroplet("{\"name\":\"idle\",\"tags\":[\"pool\"]}");
        assertEquals(201, act(busy, "{\"type\":\"power_off\"}").status());

        SimulatorClient.Response perDroplet = act(busy, "{\"type\":\"power_on\"}");
        SimulatorClient.Response byTag = api.post("/v2/droplets/actions?tag_name=pool", "{\"type\":\"power_cycle\"}");
        api.post("/v2/droplets/actions?tag_name=pool", "{\"type\":\"power_cycle\"}");

        assertEquals("Droplet already has a pending event.", perDroplet.body().path("message").asText());
        assertEquals(422, byTag.status());
        assertTrue(byTag.body().path("message").asText().startsWith("there are currently blocking events"));
        assertFalse(droplet(idle).path("locked").asBoolean(), "a refused bulk request starts nothing");
        JsonNode accounting = api.accounting();
        assertEquals(3, accounting.path("pending_event_conflicts").asLong());
        JsonNode byEndpoint = accounting.path("pending_event_conflicts_by_endpoint");
        assertEquals(1, byEndpoint.path("POST /v2/droplets/{id}/actions").asLong());
        assertEquals(2, byEndpoint.path("POST /v2/droplets/actions").asLong());
        JsonNode byDroplet = accounting.path("pending_event_conflicts_by_droplet");
        assertEquals(3, byDroplet.path(Long.toString(busy)).asLong());
        assertFalse(byDroplet.has(Long.toString(idle)), "only the busy Droplet is named");
        assertEquals(1, byDroplet.size());

        api.reset();
        assertEquals(0, api.accounting().path("pending_event_conflicts_by_droplet").size());
    }

    static Stream<Arguments> effects() {
        return Stream.<Arguments>of(
                effect("{\"type\":\"power_off\"}", d -> assertEquals("off", d.path("status").asText())),
                effect("{\"type\":\"shutdown\"}", d -> assertEquals("off", d.path("status").asText())),
                effect("{\"type\":\"reboot\"}", d -> assertEquals("active", d.path("status").asText())),
                effect("{\"type\":\"rename\",\"name\":\"renamed-1\"}",
                        d -> assertEquals("renamed-1", d.path("name").asText())),
                effectWhenOff("{\"type\":\"resize\",\"size\":\"s-2vcpu-4gb\",\"disk\":true}", d -> {
                    assertEquals("s-2vcpu-4gb", d.path("size_slug").asText());
                    assertEquals(4096, d.path("memory").asInt());
                    assertEquals(2, d.path("vcpus").asInt());
                    assertEquals(80, d.path("disk").asInt());
                }),
                effectWhenOff("{\"type\":\"resize\",\"size\":\"s-2vcpu-4gb\",\"disk\":false}", d -> {
                    assertEquals(4096, d.path("memory").asInt());
                    assertEquals(25, d.path("disk").asInt(), "a CPU/RAM-only resize keeps the disk");
                }),
                effect("{\"type\":\"snapshot\",\"name\":\"nightly\"}",
                        d -> assertEquals(1, d.path("snapshot_ids").size())),
                effect("{\"type\":\"enable_ipv6\"}", d -> {
                    assertEquals(1, d.path("networks").path("v6").size());
                    assertTrue(texts(d.path("features")).contains("ipv6"));
                }),
                effect("{\"type\":\"enable_backups\",\"backup_policy\":{\"plan\":\"weekly\",\"weekday\":\"SUN\",\"hour\":4}}",
                        d -> {
                            assertTrue(texts(d.path("features")).contains("backups"));
                            assertFalse(d.path("next_backup_window").isNull());
                        }),
                effect("{\"type\":\"rebuild\",\"image\":\"debian-12-x64\"}",
                        d -> assertEquals("debian-12-x64", d.path("image").path("slug").asText())),
                effect("{\"type\":\"change_kernel\",\"kernel\":7515}",
                        d -> assertEquals(7515, d.path("kernel").path("id").asInt())));
    }

    private static Arguments effect(String body, Consumer<JsonNode> check) {
        return Arguments.of(body, "active", check);
    }

    /** Resize runs only on a powered-off Droplet. */
    private static Arguments effectWhenOff(String body, Consumer<JsonNode> check) {
        return Arguments.of(body, "off", check);
    }

    @ParameterizedTest
    @MethodSource("effects")
    void completedActionChangesItsDroplet(String body, String status, Consumer<JsonNode> check) {
        long id = api.seedDroplet("{\"name\":\"target\",\"status\":\"" + status + "\"}");
        assertEquals(201, act(id, body).status());

        simulator.advanceClock(ACTION);

        check.accept(droplet(id));
    }

    @Test
    void powerOnTurnsAnOffDropletActiveAndDisableBackupsRemovesThem() {
        long id = api.seedDroplet("{\"name\":\"off-1\",\"status\":\"off\"}");
        act(id, "{\"type\":\"power_on\"}");
        simulator.advanceClock(ACTION);
        assertEquals("active", droplet(id).path("status").asText());

        act(id, "{\"type\":\"enable_backups\"}");
        simulator.advanceClock(ACTION);
        act(id, "{\"type\":\"disable_backups\"}");
        simulator.advanceClock(ACTION);
        assertFalse(texts(droplet(id).path("features")).contains("backups"));
    }

    @Test
    void erroredActionLeavesTheDropletUnchanged() {
        long id = seed("unlucky");
        api.control("POST", "droplets/" + id + "/next-action-outcome", "{\"status\":\"errored\"}");
        long action = act(id, "{\"type\":\"power_off\"}").body().path("action").path("id").asLong();

        simulator.advanceClock(ACTION);

        JsonNode finished = api.get("/v2/actions/" + action).body().path("action");
        assertEquals("errored", finished.path("status").asText());
        assertFalse(finished.path("completed_at").isNull());
        assertEquals("active", droplet(id).path("status").asText());
        assertFalse(droplet(id).path("locked").asBoolean());
        // The override is used once.
        act(id, "{\"type\":\"power_off\"}");
        simulator.advanceClock(ACTION);
        assertEquals("off", droplet(id).path("status").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":\"enable_backups\"}", "{\"type\":\"disable_backups\"}",
        "{\"type\":\"change_backup_policy\",\"backup_policy\":{\"plan\":\"daily\",\"hour\":20}}",
        "{\"type\":\"reboot\"}", "{\"type\":\"power_cycle\"}", "{\"type\":\"shutdown\"}", "{\"type\":\"power_off\"}",
        "{\"type\":\"power_on\"}", "{\"type\":\"restore\",\"image\":12389723}", "{\"type\":\"password_reset\"}",
        "{\"type\":\"resize\",\"size\":\"s-2vcpu-2gb\"}", "{\"type\":\"rebuild\",\"image\":12389723}",
        "{\"type\":\"rename\",\"name\":\"x\"}", "{\"type\":\"change_kernel\",\"kernel\":1}",
        "{\"type\":\"enable_ipv6\"}", "{\"type\":\"snapshot\"}"})
    void everyDocumentedActionTypeIsAccepted(String body) {
        // A resize needs a powered-off Droplet; every other type is accepted on an active one.
        String status = body.contains("\"resize\"") ? "off" : "active";
        long id = api.seedDroplet("{\"name\":\"any\",\"status\":\"" + status + "\"}");
        SimulatorClient.Response r = act(id, body);
        assertEquals(201, r.status(), r.raw().body());
    }

    @Test
    void resizeOfAPoweredOnDropletIsRefusedUntilItIsPoweredOff() {
        long id = seed("grow");
        String resize = "{\"type\":\"resize\",\"size\":\"s-2vcpu-4gb\",\"disk\":true}";

        SimulatorClient.Response on = act(id, resize);

        assertEquals(422, on.status());
        assertEquals("unprocessable_entity", on.body().path("id").asText());
        assertEquals("Droplet is currently on. Please power it off to run this event.",
                on.body().path("message").asText());
        assertEquals(on.header("x-request-id"), on.body().path("request_id").asText());
        assertFalse(droplet(id).path("locked").asBoolean());
        assertEquals(0, api.get("/v2/droplets/" + id + "/actions").body().path("meta").path("total").asInt());
        assertEquals(0, api.accounting().path("pending_event_conflicts").asLong(), "not a pending event");

        act(id, "{\"type\":\"power_off\"}");
        assertEquals(422, act(id, resize).status(), "busy while the power_off runs");
        simulator.advanceClock(ACTION);
        assertEquals(201, act(id, resize).status());
        simulator.advanceClock(ACTION);
        assertEquals("s-2vcpu-4gb", droplet(id).path("size_slug").asText());
        assertEquals("off", droplet(id).path("status").asText(), "a resize leaves the Droplet off");
    }

    static Stream<Arguments> invalidActions() {
        return Stream.of(
                Arguments.of("{}", "type is required"),
                Arguments.of("{\"type\":7}", "type must be a string"),
                Arguments.of("{\"type\":\"teleport\"}", "'teleport' is not a valid Droplet action type"),
                // Deprecated and removed from the spec's enum, though godo and doctl still send it.
                Arguments.of("{\"type\":\"enable_private_networking\"}", "not a valid Droplet action type"),
                Arguments.of("{\"type\":\"create\"}", "not a valid Droplet action type"),
                Arguments.of("{\"type\":\"resize\"}", "resize requires size"),
                Arguments.of("{\"type\":\"resize\",\"size\":\"s-2vcpu-2gb\",\"disk\":\"yes\"}", "disk must be a boolean"),
                Arguments.of("{\"type\":\"rename\"}", "rename requires name"),
                Arguments.of("{\"type\":\"restore\"}", "restore requires image"),
                Arguments.of("{\"type\":\"restore\",\"image\":\"ubuntu\"}", "restore requires image"),
                Arguments.of("{\"type\":\"rebuild\"}", "rebuild requires image"),
                Arguments.of("{\"type\":\"change_kernel\"}", "change_kernel requires kernel"),
                Arguments.of("{\"type\":\"change_backup_policy\"}", "change_backup_policy requires backup_policy"),
                Arguments.of("{\"type\":\"change_backup_policy\",\"backup_policy\":{\"plan\":\"hourly\"}}",
                        "plan must be daily or weekly"),
                Arguments.of("{\"type\":\"change_backup_policy\",\"backup_policy\":{\"plan\":\"weekly\"}}",
                        "weekday is required"),
                Arguments.of("{\"type\":\"enable_backups\",\"backup_policy\":{\"hour\":3}}",
                        "hour must be one of 0, 4, 8, 12, 16, 20"),
                Arguments.of("{\"type\":\"enable_backups\",\"backup_policy\":{\"weekday\":\"SUNDAY\"}}",
                        "weekday must be one of"),
                Arguments.of("\"reboot\"", "must be a JSON object"));
    }

    @ParameterizedTest
    @MethodSource("invalidActions")
    void invalidActionIsRefusedWith422AndAClearMessage(String body, String expected) {
        long id = seed("v");
        SimulatorClient.Response r = act(id, body);

        assertEquals(422, r.status());
        assertEquals("unprocessable_entity", r.body().path("id").asText());
        assertTrue(r.body().path("message").asText().contains(expected), r.body().path("message").asText());
        assertFalse(droplet(id).path("locked").asBoolean());
    }

    @Test
    void actionOnAnUnknownDropletIs404() {
        SimulatorClient.Response r = act(424242, "{\"type\":\"reboot\"}");
        assertEquals(404, r.status());
        assertEquals("not_found", r.body().path("id").asText());
    }

    @Test
    void actionIsReadableThroughBothPathsAndOnlyUnderItsOwnDroplet() {
        long id = seed("a");
        long other = seed("b");
        long action = act(id, "{\"type\":\"reboot\"}").body().path("action").path("id").asLong();

        assertEquals(action, api.get("/v2/droplets/" + id + "/actions/" + action).body().path("action").path("id").asLong());
        assertEquals(action, api.get("/v2/actions/" + action).body().path("action").path("id").asLong());
        assertEquals(404, api.get("/v2/droplets/" + other + "/actions/" + action).status());
        assertEquals(404, api.get("/v2/droplets/" + id + "/actions/1").status());
        assertEquals(404, api.get("/v2/actions/1").status());
        assertEquals(404, api.get("/v2/droplets/999/actions").status());
    }

    @Test
    void actionListsAreNewestFirstAndPaginated() {
        long id = seed("history");
        long other = seed("elsewhere");
        List<Long> ids = new ArrayList<>();
        for (String type : List.of("power_off", "power_on", "reboot")) {
            ids.add(act(id, "{\"type\":\"" + type + "\"}").body().path("action").path("id").asLong());
            simulator.advanceClock(ACTION);
        }
        act(other, "{\"type\":\"reboot\"}");

        JsonNode page1 = api.get("/v2/droplets/" + id + "/actions?per_page=2").body();
        assertEquals(List.of(ids.get(2), ids.get(1)), actionIds(page1));
        assertEquals(3, page1.path("meta").path("total").asInt());
        assertEquals(simulator.baseUrl() + "/v2/droplets/" + id + "/actions?page=2&per_page=2",
                page1.path("links").path("pages").path("next").asText());
        JsonNode page2 = api.get("/v2/droplets/" + id + "/actions?page=2&per_page=2").body();
        assertEquals(List.of(ids.get(0)), actionIds(page2));
        assertEquals("completed", page2.path("actions").get(0).path("status").asText());

        JsonNode all = api.get("/v2/actions").body();
        assertEquals(4, all.path("meta").path("total").asInt());
        assertEquals(ids.get(2), actionIds(all).get(1));
        assertEquals("in-progress", all.path("actions").get(0).path("status").asText());
    }

    @Test
    void tagActionStartsOneActionPerTaggedDroplet() {
        long web1 = api.seedDroplet("{\"name\":\"web-1\",\"tags\":[\"env:prod\"]}");
        long web2 = api.seedDroplet("{\"name\":\"web-2\",\"tags\":[\"env:prod\",\"x\"]}");
        api.seedDroplet("{\"name\":\"db\",\"tags\":[\"env:dev\"]}");

        SimulatorClient.Response r = api.post("/v2/droplets/actions?tag_name=env%3Aprod", "{\"type\":\"power_off\"}");

        assertEquals(201, r.status());
        JsonNode actions = r.body().path("actions");
        assertEquals(2, actions.size());
        List<Long> resources = new ArrayList<>();
        actions.forEach(a -> resources.add(a.path("resource_id").asLong()));
        assertEquals(List.of(web1, web2), resources);
        actions.forEach(a -> assertEquals("power_off", a.path("type").asText()));

        // A tagged Droplet is now busy, so the whole bulk request is refused, in the bulk wording.
        SimulatorClient.Response busy = api.post("/v2/droplets/actions?tag_name=x", "{\"type\":\"power_on\"}");
        assertEquals(422, busy.status());
        assertEquals("unprocessable_entity", busy.body().path("id").asText());
        assertEquals("there are currently blocking events processing for one or more of the droplets",
                busy.body().path("message").asText());

        simulator.advanceClock(ACTION);
        assertEquals("off", droplet(web1).path("status").asText());
        assertEquals(0, api.post("/v2/droplets/actions?tag_name=nobody", "{\"type\":\"power_on\"}")
                .body().path("actions").size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"power_cycle", "power_on", "power_off", "shutdown", "enable_ipv6", "enable_backups",
        "disable_backups", "snapshot"})
    void eachOfTheEightBulkTypesIsAcceptedByTag(String type) {
        api.seedDroplet("{\"name\":\"t\",\"tags\":[\"bulk\"]}");
        assertEquals(201, api.post("/v2/droplets/actions?tag_name=bulk", "{\"type\":\"" + type + "\"}").status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":\"reboot\"}", "{\"type\":\"rename\",\"name\":\"x\"}",
        "{\"type\":\"resize\",\"size\":\"s-2vcpu-2gb\"}", "{\"type\":\"password_reset\"}",
        "{\"type\":\"rebuild\",\"image\":1}", "{\"type\":\"restore\",\"image\":1}",
        "{\"type\":\"change_kernel\",\"kernel\":1}", "{\"type\":\"change_backup_policy\",\"backup_policy\":{}}"})
    void otherTypesAreRefusedByTheTagEndpoint(String body) {
        api.seedDroplet("{\"name\":\"t\",\"tags\":[\"bulk\"]}");
        SimulatorClient.Response r = api.post("/v2/droplets/actions?tag_name=bulk", body);
        assertEquals(422, r.status());
        assertTrue(r.body().path("message").asText().contains("cannot be applied by tag"));
        String accepted = r.body().path("message").asText().replaceAll(".*accepts ", "");
        assertEquals(BULK_TYPES.stream().sorted().toList(), Stream.of(accepted.split(", ")).sorted().toList());
    }

    @Test
    void tagEndpointNeedsATagName() {
        SimulatorClient.Response r = api.post("/v2/droplets/actions", "{\"type\":\"power_on\"}");
        assertEquals(422, r.status());
        assertEquals("tag_name is required", r.body().path("message").asText());
    }

    private static List<Long> actionIds(JsonNode list) {
        List<Long> out = new ArrayList<>();
        list.path("actions").forEach(a -> out.add(a.path("id").asLong()));
        return out;
    }
}
