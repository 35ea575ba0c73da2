package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.tools.ground.CommandBus;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every command the API offers, sent as a producer would (the documented examples in
 * {@code docs/examples/commands}), checked against the exact request the simulator received and
 * the event that came back.
 */
@QuarkusTest
class EveryCommandEndToEndTest extends WorkerEndToEnd {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Path EXAMPLES = Path.of("docs", "examples", "commands");

    static Stream<String> actionExamples() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("action-")).sorted().toList()
                    .stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("actionExamples")
    void everyActionTypeIsSentAsGivenAndFollowedToTheEnd(String example) throws IOException {
        ObjectNode command = example(example);
        JsonNode action = command.get("action");
        String name = "act-" + UUID.randomUUID().toString().substring(0, 8);
        // DigitalOcean resizes only a powered-off Droplet (a powered-on one gets a 422).
        long droplet = "resize".equals(action.path("type").asText())
                ? simulator.seed("{\"name\":\"" + name + "\",\"status\":\"off\"}") : simulator.seedDroplet(name);
        command.put("droplet_id", droplet);
        long since = simulator.lastSeq();

        JsonNode event = send(command, Long.toString(droplet));

        List<JsonNode> posts = posts(since, "/v2/droplets/" + droplet + "/actions");
        assertEquals(1, posts.size());
        assertEquals(action, posts.get(0).path("body"), "the simulator received exactly the command's action");
        assertEquals("completed", event.path("data").path("outcome").asText(), event.toString());
        JsonNode reported = event.path("data").path("actions").path(0);
        assertEquals(action.path("type").asText(), reported.path("type").asText());
        assertEquals("completed", reported.path("status").asText());
        assertEquals(droplet, reported.path("resource_id").asLong());
    }

    @Test
    void singleCreateIsSentWithTheJobTagAndReportsTheDropletWithNetworks() throws IOException {
        ObjectNode command = example("create-single.json");
        ObjectNode droplet = (ObjectNode) command.get("droplet");
        droplet.put("name", "web-" + UUID.randomUUID().toString().substring(0, 8));
        long since = simulator.lastSeq();

        JsonNode event = send(command, null);

        List<JsonNode> posts = posts(since, "/v2/droplets");
        assertEquals(1, posts.size());
        ObjectNode expected = droplet.deepCopy();
        ((ArrayNode) expected.get("tags")).add("droplet-worker:job-" + event.path("id").asText());
        // The simulator's request log keeps only the size of user_data (it may hold secrets).
        expected.put("user_data", "<" + droplet.get("user_data").asText().getBytes(StandardCharsets.UTF_8).length
                + " bytes>");
        assertEquals(expected, posts.get(0).path("body"), "the command's request plus the job tag");
        JsonNode data = event.path("data");
        assertEquals("completed", data.path("outcome").asText(), event.toString());
        assertEquals(1, data.path("droplets").size());
        JsonNode created = data.path("droplets").path(0);
        assertEquals(droplet.get("name").asText(), created.path("name").asText());
        assertEquals("active", created.path("status").asText());
        assertFalse(created.path("networks").path("v4").isEmpty(), "networks are assigned once the create completes");
        assertEquals("create", data.path("actions").path(0).path("type").asText());
        assertEquals(created.path("id").asLong(), data.path("actions").path(0).path("resource_id").asLong());
    }

    @Test
    void multiCreateOfTenNamesIsOneJobWithOneEventListingAllTen() {
        String prefix = "batch-" + UUID.randomUUID().toString().substring(0, 8);
        ObjectNode command = createCommand(prefix, 10);
        long since = simulator.lastSeq();

        JsonNode event = send(command, null);

        List<JsonNode> posts = posts(since, "/v2/droplets");
        assertEquals(1, posts.size(), "one multi-create request");
        ObjectNode expected = ((ObjectNode) command.get("droplet")).deepCopy();
        expected.putArray("tags").add("droplet-worker:job-" + event.path("id").asText());
        assertEquals(expected, posts.get(0).path("body"), "the command's request plus the job tag");
        JsonNode data = event.path("data");
        assertEquals("completed", data.path("outcome").asText(), event.toString());
        assertEquals(10, data.path("droplets").size());
        assertEquals(10, data.path("actions").size());
        Set<String> names = new HashSet<>();
        for (JsonNode d : data.path("droplets")) {
            names.add(d.path("name").asText());
            assertEquals("active", d.path("status").asText());
            assertEquals("completed", d.path("action_status").asText());
            assertFalse(d.path("networks").path("v4").isEmpty(), d.toString());
        }
        assertEquals(10, names.size());
        assertEquals(1, bus.eventsFor(command.get("command_id").asText()).size());
    }

    @Test
    void multiCreateOfElevenNamesIsRejectedBeforeAnyRequest() {
        String prefix = "eleven-" + UUID.randomUUID().toString().substring(0, 8);
        ObjectNode command = createCommand(prefix, 11);
        long since = simulator.lastSeq();

        JsonNode event = send(command, null);

        assertEquals("rejected", event.path("data").path("outcome").asText());
        assertTrue(event.path("data").path("problems").findValuesAsText("pointer").contains("/droplet/names"),
                event.toString());
        assertTrue(posts(since, "/v2/droplets").stream()
                .noneMatch(r -> r.path("body").toString().contains(prefix)));
    }

    @Test
    void createWhoseActionErrorsReportsErroredWithTheDropletId() {
        simulator.nextCreateOutcome("errored");
        ObjectNode command = createCommand("doomed-" + UUID.randomUUID().toString().substring(0, 8), 1);

        JsonNode event = send(command, null);

        JsonNode data = event.path("data");
        assertEquals("errored", data.path("outcome").asText(), event.toString());
        assertEquals("dev.dropletworker.job.errored", event.path("type").asText());
        long dropletId = data.path("droplets").path(0).path("id").asLong();
        assertTrue(dropletId > 0, event.toString());
        assertEquals("errored", data.path("droplets").path(0).path("action_status").asText());
        assertEquals(dropletId, data.path("actions").path(0).path("resource_id").asLong());
    }

    @Test
    void bulkPowerOffOnATagWithFiveDropletsGivesOneEventWithFiveResults() {
        String tag = "fleet-" + UUID.randomUUID().toString().substring(0, 8);
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            ids.add(simulator.seedDroplet(tag + "-" + i, tag));
        }
        long since = simulator.lastSeq();
        ObjectNode command = tagCommand("bulk", tag, "power_off");

        JsonNode event = send(command, null);

        List<JsonNode> posts = posts(since, "/v2/droplets/actions");
        assertEquals(1, posts.size());
        assertTrue(posts.get(0).path("query").asText().contains("tag_name=" + tag), posts.get(0).toString());
        JsonNode data = event.path("data");
        assertEquals("completed", data.path("outcome").asText(), event.toString());
        assertEquals(tag, data.path("tag_name").asText());
        assertEquals(5, data.path("actions").size());
        Set<Long> reported = new HashSet<>();
        data.path("actions").forEach(a -> {
            reported.add(a.path("resource_id").asLong());
            assertEquals("completed", a.path("status").asText());
            assertEquals("power_off", a.path("type").asText());
        });
        assertEquals(ids, reported);
    }

    @Test
    void bulkWithOneErroredDropletIsErroredWithEachResult() {
        String tag = "mixed-" + UUID.randomUUID().toString().substring(0, 8);
        long ok = simulator.seedDroplet(tag + "-ok", tag);
        long bad = simulator.seedDroplet(tag + "-bad", tag);
        simulator.nextActionOutcome(bad, "errored");
        ObjectNode command = tagCommand("bulk-mixed", tag, "power_cycle");

        JsonNode data = send(command, null).path("data");

        assertEquals("errored", data.path("outcome").asText());
        for (JsonNode a : data.path("actions")) {
            assertEquals(a.path("resource_id").asLong() == bad ? "errored" : "completed", a.path("status").asText());
        }
        assertTrue(data.path("actions").findValuesAsText("resource_id").contains(Long.toString(ok)));
    }

    @Test
    void bulkRebootIsRejectedAndNothingIsSent() {
        String tag = "noreboot-" + UUID.randomUUID().toString().substring(0, 8);
        simulator.seedDroplet(tag + "-1", tag);
        long since = simulator.lastSeq();
        ObjectNode command = tagCommand("bulk-reboot", tag, "reboot");

        JsonNode event = send(command, null);

        assertEquals("rejected", event.path("data").path("outcome").asText());
        assertTrue(event.path("data").path("problems").findValuesAsText("pointer").contains("/action/type"));
        assertTrue(posts(since, "/v2/droplets/actions").isEmpty());
    }

    private JsonNode send(ObjectNode command, String key) {
        String commandId = command.get("command_id").asText();
        bus.send(key != null ? key : commandId, command.toString());
        return bus.awaitEvent(commandId, EVENT_TIMEOUT);
    }

    private ObjectNode example(String file) throws IOException {
        ObjectNode command = (ObjectNode) MAPPER.readTree(EXAMPLES.resolve(file).toFile());
        command.put("command_id", CommandBus.newCommandId(file.replace(".json", "")));
        command.remove("account");
        return command;
    }
}
