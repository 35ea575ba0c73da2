package dev.dropletworker.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Contract of {@code POST/GET /v2/droplets} and {@code GET /v2/droplets/{id}}. */
class DropletEndpointsTest {

    private static final String TOKEN = "dop_v1_droplets";
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
    private static final List<String> REQUIRED_DROPLET_FIELDS = List.of("id", "name", "memory", "vcpus", "disk",
            "locked", "status", "created_at", "features", "backup_ids", "next_backup_window", "snapshot_ids", "image",
            "volume_ids", "size", "size_slug", "networks", "region", "tags");

    private static DigitalOceanSimulator simulator;
    private static SimulatorClient api;

    @BeforeAll
    static void start() {
        // A clock that stands still: actions finish only when a test moves it.
        simulator = DigitalOceanSimulator.start(SimulatorConfig.builder().token(TOKEN)
                .clock(Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC))
                .actionDuration(Duration.ofSeconds(30)).build());
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

    private static String create(String nameField) {
        return "{" + nameField + ",\"region\":\"nyc3\",\"size\":\"s-1vcpu-1gb\",\"image\":\"ubuntu-24-04-x64\","
                + "\"tags\":[\"env:test\",\"job-1\"]}";
    }

    @Test
    void singleCreateIsAcceptedAsNewDropletWithALinkToItsCreateAction() {
        SimulatorClient.Response r = api.post("/v2/droplets", create("\"name\":\"web-1\""));

        assertEquals(202, r.status());
        JsonNode droplet = r.body().path("droplet");
        REQUIRED_DROPLET_FIELDS.forEach(f -> assertTrue(droplet.has(f), "droplet lacks " + f));
        assertEquals("web-1", droplet.path("name").asText());
        assertEquals("new", droplet.path("status").asText());
        assertEquals(0, droplet.path("networks").path("v4").size());
        assertEquals(0, droplet.path("networks").path("v6").size());
        assertEquals("s-1vcpu-1gb", droplet.path("size_slug").asText());
        assertEquals("nyc3", droplet.path("region").path("slug").asText());
        assertEquals("ubuntu-24-04-x64", droplet.path("image").path("slug").asText());
        assertEquals(List.of("env:test", "job-1"), texts(droplet.path("tags")));
        assertTrue(droplet.path("created_at").asText().matches("2026-03-01T\\d\\d:\\d\\d:00Z"));

        JsonNode links = r.body().path("links").path("actions");
        assertEquals(1, links.size());
        long actionId = links.get(0).path("id").asLong();
        assertEquals("create", links.get(0).path("rel").asText());
        assertEquals(simulator.baseUrl() + "/v2/actions/" + actionId, links.get(0).path("href").asText());

        JsonNode action = api.get("/v2/actions/" + actionId).body().path("action");
        assertEquals("in-progress", action.path("status").asText());
        assertEquals("create", action.path("type").asText());
        assertTrue(action.path("completed_at").isNull());
        assertEquals(droplet.path("id").asLong(), action.path("resource_id").asLong());
        assertEquals("droplet", action.path("resource_type").asText());
        assertEquals("nyc3", action.path("region_slug").asText());
        assertEquals("nyc3", action.path("region").path("slug").asText());
    }

    @Test
    void multiCreateReturnsOneDropletAndOneCreateActionPerName() {
        SimulatorClient.Response r = api.post("/v2/droplets", create("\"names\":[\"a-1\",\"a-2\",\"a-3\"]"));

        assertEquals(202, r.status());
        assertEquals(List.of("a-1", "a-2", "a-3"),
                names(r.body().path("droplets")));
        JsonNode links = r.body().path("links").path("actions");
        assertEquals(3, links.size());
        assertEquals(3, links.findValuesAsText("id").stream().distinct().count());
        links.forEach(l -> assertEquals("create", l.path("rel").asText()));
        assertEquals(3, api.accounting().path("droplets_created_per_tag").path("job-1").asInt());
    }

    @Test
    void createdDropletTurnsActiveWithNetworksWhenItsCreateActionCompletes() {
        JsonNode created = api.post("/v2/droplets", "{\"name\":\"web-2\",\"size\":\"s-1vcpu-1gb\","
                + "\"image\":\"ubuntu-24-04-x64\",\"ipv6\":true}").body();
        long id = created.path("droplet").path("id").asLong();
        long actionId = created.path("links").path("actions").get(0).path("id").asLong();
        assertTrue(api.get("/v2/droplets/" + id).body().path("droplet").path("locked").asBoolean());

        simulator.advanceClock(Duration.ofSeconds(30));

        JsonNode action = api.get("/v2/actions/" + actionId).body().path("action");
        assertEquals("completed", action.path("status").asText());
        assertEquals(Instant.parse(action.path("started_at").asText()).plusSeconds(30),
                Instant.parse(action.path("completed_at").asText()));
        JsonNode droplet = api.get("/v2/droplets/" + id).body().path("droplet");
        assertEquals("active", droplet.path("status").asText());
        assertFalse(droplet.path("locked").asBoolean());
        assertEquals(List.of("public", "private"), droplet.path("networks").path("v4").findValuesAsText("type"));
        assertEquals(1, droplet.path("networks").path("v6").size());
        assertEquals(64, droplet.path("networks").path("v6").get(0).path("netmask").asInt());
    }

    @Test
    void erroredCreateLeavesNoDropletBehind() {
        api.control("POST", "next-create-outcome", "{\"status\":\"errored\"}");
        JsonNode created = api.post("/v2/droplets", create("\"name\":\"doomed\"")).body();
        long id = created.path("droplet").path("id").asLong();
        long actionId = created.path("links").path("actions").get(0).path("id").asLong();

        simulator.advanceClock(Duration.ofSeconds(30));

        assertEquals("errored", api.get("/v2/actions/" + actionId).body().path("action").path("status").asText());
        assertEquals(404, api.get("/v2/droplets/" + id).status());
    }

    static Stream<Arguments> invalidCreates() {
        String names11 = String.join(",", IntStream.rangeClosed(1, 11).mapToObj(i -> "\"n-" + i + "\"").toList());
        return Stream.of(
                Arguments.of("{\"size\":\"s-1vcpu-1gb\",\"image\":\"ubuntu-24-04-x64\"}", "name is required"),
                Arguments.of(create("\"name\":\"web_1\""), "only letters, digits"),
                Arguments.of(create("\"name\":\"web-\""), "must end with a letter or digit"),
                Arguments.of(create("\"name\":\"" + "a".repeat(256) + "\""), "at most 255"),
                Arguments.of(create("\"names\":[" + names11 + "]"), "at most 10 names"),
                Arguments.of(create("\"names\":[]"), "non-empty array"),
                Arguments.of(create("\"name\":\"a\",\"names\":[\"b\"]"), "either name or names"),
                Arguments.of("{\"name\":\"a\",\"image\":\"ubuntu-24-04-x64\"}", "size is required"),
                Arguments.of("{\"name\":\"a\",\"size\":\"s-1vcpu-1gb\"}", "image is required"),
                Arguments.of("{\"name\":\"a\",\"size\":\"s-1vcpu-1gb\",\"image\":\"u\",\"user_data\":\""
                        + "x".repeat(64 * 1024 + 1) + "\"}", "at most 64 KiB"),
                Arguments.of("{\"name\":\"a\",\"size\":\"s-1vcpu-1gb\",\"image\":\"u\",\"tags\":[\"has space\"]}",
                        "tag 'has space' is invalid"),
                Arguments.of("{\"name\":\"a\",\"size\":\"s-1vcpu-1gb\",\"image\":\"u\",\"backups\":\"yes\"}",
                        "backups must be a boolean"),
                Arguments.of("[1,2]", "must be a JSON object"));
    }

    @ParameterizedTest
    @MethodSource("invalidCreates")
    void invalidCreateIsRefusedWith422AndAClearMessage(String body, String expected) {
        SimulatorClient.Response r = api.post("/v2/droplets", body);

        assertEquals(422, r.status(), r.raw().body());
        assertEquals("unprocessable_entity", r.body().path("id").asText());
        assertTrue(r.body().path("message").asText().contains(expected), r.body().path("message").asText());
        assertEquals(r.header("x-request-id"), r.body().path("request_id").asText());
        assertEquals(0, api.get("/v2/droplets").body().path("meta").path("total").asInt());
    }

    @Test
    void userDataOfExactly64KiBIsAccepted() {
        String body = "{\"name\":\"a\",\"size\":\"s-1vcpu-1gb\",\"image\":12345,\"user_data\":\""
                + "x".repeat(64 * 1024) + "\"}";
        SimulatorClient.Response r = api.post("/v2/droplets", body);
        assertEquals(202, r.status());
        assertEquals(12345, r.body().path("droplet").path("image").path("id").asLong());
    }

    @Test
    void unparseableBodyIs400BadRequest() {
        SimulatorClient.Response r = api.post("/v2/droplets", "{\"name\":");
        assertEquals(400, r.status());
        assertEquals("bad_request", r.body().path("id").asText());
    }

    @Test
    void unknownDropletIs404NotFound() {
        for (String path : List.of("/v2/droplets/999", "/v2/droplets/abc", "/v2/droplets/0")) {
            SimulatorClient.Response r = api.get(path);
            assertEquals(404, r.status(), path);
            assertEquals("not_found", r.body().path("id").asText());
            assertEquals("The resource you requested could not be found.", r.body().path("message").asText());
            assertEquals(r.header("x-request-id"), r.body().path("request_id").asText());
        }
        assertEquals(404, api.get("/v2/volumes").status());
    }

    @Test
    void listPaginatesWithOnlyTheLinksThatMakeSense() {
        for (int i = 1; i <= 5; i++) {
            api.seedDroplet("{\"id\":" + i + ",\"name\":\"d-" + i + "\"}");
        }
        String base = simulator.baseUrl() + "/v2/droplets?page=";

        JsonNode first = api.get("/v2/droplets?per_page=2").body();
        assertEquals(List.of("d-1", "d-2"), names(first.path("droplets")));
        assertEquals(5, first.path("meta").path("total").asInt());
        assertEquals(List.of("next", "last"), fieldNames(first.path("links").path("pages")));
        assertEquals(base + "2&per_page=2", first.path("links").path("pages").path("next").asText());
        assertEquals(base + "3&per_page=2", first.path("links").path("pages").path("last").asText());

        JsonNode middle = api.get("/v2/droplets?page=2&per_page=2").body();
        assertEquals(List.of("d-3", "d-4"), names(middle.path("droplets")));
        assertEquals(List.of("first", "prev", "next", "last"), fieldNames(middle.path("links").path("pages")));
        assertEquals(base + "1&per_page=2", middle.path("links").path("pages").path("prev").asText());

        JsonNode last = api.get("/v2/droplets?page=3&per_page=2").body();
        assertEquals(List.of("d-5"), names(last.path("droplets")));
        assertEquals(List.of("first", "prev"), fieldNames(last.path("links").path("pages")));

        JsonNode all = api.get("/v2/droplets").body();
        assertEquals(5, all.path("droplets").size());
        assertEquals(List.of(), fieldNames(all.path("links").path("pages")));
    }

    @Test
    void listFiltersByTagNameAndTypeAndKeepsFiltersInPageLinks() {
        api.seedDroplet("{\"name\":\"Web-A\",\"tags\":[\"env:prod\"]}");
        api.seedDroplet("{\"name\":\"web-b\",\"tags\":[\"env:prod\"]}");
        api.seedDroplet("{\"name\":\"db\",\"tags\":[\"env:dev\"]}");
        api.seedDroplet("{\"name\":\"gpu-1\",\"size\":\"gpu-h100x1-80gb\"}");

        JsonNode tagged = api.get("/v2/droplets?tag_name=env%3Aprod&per_page=1").body();
        assertEquals(2, tagged.path("meta").path("total").asInt());
        assertTrue(tagged.path("links").path("pages").path("next").asText().endsWith("&tag_name=env%3Aprod"));
        assertEquals(List.of("web-b"), names(api.get("/v2/droplets?name=WEB-B").body().path("droplets")));
        assertEquals(3, api.get("/v2/droplets").body().path("meta").path("total").asInt());
        assertEquals(3, api.get("/v2/droplets?type=droplets").body().path("meta").path("total").asInt());
        assertEquals(List.of("gpu-1"), names(api.get("/v2/droplets?type=gpus").body().path("droplets")));
    }

    @Test
    void tagNameCannotBeCombinedWithNameOrType() {
        for (String query : List.of("tag_name=a&name=b", "tag_name=a&type=droplets", "type=vms", "per_page=201",
                "per_page=0", "page=0", "page=x")) {
            SimulatorClient.Response r = api.get("/v2/droplets?" + query);
            assertEquals(422, r.status(), query);
            assertEquals("unprocessable_entity", r.body().path("id").asText());
        }
    }

    @Test
    void missingOrUnknownTokenIs401WithTheApiErrorBody() {
        for (String token : new String[] {null, "dop_v1_someone_else"}) {
            SimulatorClient.Response r = api.send("GET", "/v2/droplets", null, token);
            assertEquals(401, r.status());
            assertEquals("unauthorized", r.body().path("id").asText());
            assertEquals("Unable to authenticate you.", r.body().path("message").asText());
            assertEquals(r.header("x-request-id"), r.body().path("request_id").asText());
            assertEquals("5000", r.header("ratelimit-limit"));
        }
    }

    @Test
    void everyResponseCarriesARequestIdAndTheRateLimitHeaders() {
        List<SimulatorClient.Response> responses = new ArrayList<>();
        responses.add(api.get("/v2/droplets"));
        responses.add(api.get("/v2/droplets/42"));
        responses.add(api.post("/v2/droplets", "{}"));
        responses.add(api.post("/v2/droplets", create("\"name\":\"h\"")));
        for (SimulatorClient.Response r : responses) {
            assertTrue(r.header("x-request-id").matches(UUID), r.header("x-request-id"));
            assertEquals("5000", r.header("ratelimit-limit"));
            assertNotNull(r.header("ratelimit-remaining"));
            assertTrue(Long.parseLong(r.header("ratelimit-reset")) > 1_700_000_000L);
            assertTrue(r.header("content-type").startsWith("application/json"));
        }
        assertEquals(List.of("4999", "4998", "4997", "4996"),
                responses.stream().map(r -> r.header("ratelimit-remaining")).toList());
        assertEquals(4, responses.stream().map(r -> r.header("x-request-id")).distinct().count());
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.path("name").asText()));
        return out;
    }

    static List<String> fieldNames(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.properties().forEach(e -> out.add(e.getKey()));
        return out;
    }
}
