package dev.dropletworker;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.testsupport.WorkerTestGround;
import dev.dropletworker.tools.ground.CommandBus;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An operator's retry through the API: a new attempt generation of the same job, answered by a new
 * event with a new id, after exactly the requests it needs (one POST; none for Droplets that exist).
 */
@QuarkusTest
class RetryEndToEndTest extends OperatorApiEndToEnd {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @AfterEach
    void clearFaults() {
        simulator.clearFaults();
    }

    @Test
    void retryOfAFailedJobEndsInANewCompletedEventWithANewIdAndExactlyOneNewPost() {
        long dropletId = 700_000_000L + (System.nanoTime() % 1_000_000);
        String commandId = CommandBus.newCommandId("retry-missing");
        bus.send(Long.toString(dropletId), actionCommand(commandId, dropletId, "power_on"));
        JsonNode failed = bus.awaitEvent(commandId, EVENT_TIMEOUT);
        assertEquals("failed", failed.path("data").path("outcome").asText());
        assertEquals(1, failed.path("data").path("generation").asInt());
        String jobId = failed.path("data").path("job_id").asText();
        assertEquals(jobId, failed.path("id").asText(), "the first generation's event id is the job id");

        // The Droplet shows up (it was being moved between accounts, say): the operator retries.
        simulator.seedDroplet(dropletId, "came-back");
        long since = simulator.lastSeq();
        JsonNode retried = json(operator().post("/api/v1/jobs/{id}/retry", jobId).then().statusCode(200).extract()
                .response());
        assertEquals(2, retried.path("generation").asInt());
        assertEquals("received", retried.path("state").asText());
        assertEquals(0, retried.path("attempts").asInt(), "a generation counts its own attempts");

        JsonNode completed = Awaitility.await().atMost(EVENT_TIMEOUT).until(
                () -> bus.eventsFor(commandId).stream()
                        .filter(e -> "completed".equals(e.path("data").path("outcome").asText())).findFirst()
                        .orElse(null), e -> e != null);
        assertNotEquals(jobId, completed.path("id").asText(), "a retry's event has a new id");
        assertEquals(retried.path("event_id").asText(), completed.path("id").asText());
        assertEquals(jobId, completed.path("data").path("job_id").asText(), "the same job");
        assertEquals(2, completed.path("data").path("generation").asInt());
        assertEquals(1, posts(since, "/v2/droplets/" + dropletId + "/actions").size(), "exactly one new POST");

        JsonNode job = awaitJob(commandId, inState("completed"));
        assertEquals(2, job.path("generation").asInt());
        assertTrue(job.path("error").isNull(), "the new generation has no error of its own");
        int retry = retryTransition(job);
        JsonNode transitions = job.path("transitions");
        assertTrue(transitions.get(retry).path("detail").asText().contains("test-operator"),
                "the history says who retried");
        assertTrue(transitions.get(retry).path("detail").asText().contains("generation 2"));
        List<String> after = transitions.findValuesAsText("to").subList(retry + 1, transitions.size());
        assertEquals(List.of("submitting", "in_progress", "completed"), after.subList(after.size() - 3, after.size()));
    }

    @Test
    void aRetriedCreateWhoseDropletInFactExistsAdoptsItAndCreatesNoSecondDroplet() throws Exception {
        String name = "retry-adopt-" + UUID.randomUUID().toString().substring(0, 8);
        ObjectNode command = createCommand(name, 1);
        String commandId = command.path("command_id").asText();
        JsonNode failed = failEveryCreate(command);
        String jobId = failed.path("data").path("job_id").asText();
        String jobTag = "droplet-worker:job-" + jobId;

        // DigitalOcean in fact made it, and lists it only now (as a lagging listing would).
        createDirectly(List.of(name), jobTag);
        long since = simulator.lastSeq();
        operator().post("/api/v1/jobs/{id}/retry", jobId).then().statusCode(200).body("generation", is(2));

        JsonNode event = awaitOutcome(commandId, "completed");
        assertEquals(0, posts(since, "/v2/droplets").size(), "no second create");
        assertEquals(1, simulator.accounting().path("droplets_created_per_tag").path(jobTag).asInt());
        assertEquals(name, event.path("data").path("droplets").path(0).path("name").asText());
    }

    @Test
    void aRetriedMultiCreateCreatesOnlyTheNamesThatWereNotCreated() throws Exception {
        String prefix = "retry-partial-" + UUID.randomUUID().toString().substring(0, 8);
        ObjectNode command = createCommand(prefix, 3);
        String commandId = command.path("command_id").asText();
        JsonNode failed = failEveryCreate(command);
        String jobId = failed.path("data").path("job_id").asText();
        String jobTag = "droplet-worker:job-" + jobId;
        createDirectly(List.of(prefix + "-1", prefix + "-3"), jobTag);
        long since = simulator.lastSeq();

        operator().post("/api/v1/jobs/{id}/retry", jobId).then().statusCode(200);

        JsonNode event = awaitOutcome(commandId, "completed");
        List<JsonNode> creates = posts(since, "/v2/droplets");
        assertEquals(1, creates.size());
        JsonNode body = creates.get(0).path("body");
        // One missing name is sent as a single create (name), several as names.
        List<?> created = body.has("names") ? MAPPER.convertValue(body.path("names"), List.class)
                : List.of(body.path("name").asText());
        assertEquals(List.of(prefix + "-2"), created);
        assertEquals(3, event.path("data").path("droplets").size());
        assertEquals(3, simulator.accounting().path("droplets_created_per_tag").path(jobTag).asInt());
    }

    @Test
    void aRetriedJobGoesToTheBackOfItsDropletsQueue() {
        long droplet = simulator.seedDroplet("retry-queue");
        long missing = droplet; // the same Droplet: the failure comes from a refused token, not the Droplet
        String failing = CommandBus.newCommandId("retry-queue-first");
        bus.send(Long.toString(droplet), "{\"command_id\":\"" + failing + "\",\"account\":\"team-b\","
                + "\"type\":\"droplet.action\",\"droplet_id\":" + missing + ",\"action\":{\"type\":\"reboot\"}}");
        String jobId = bus.awaitEvent(failing, EVENT_TIMEOUT).path("data").path("job_id").asText();

        // A later command for the same Droplet waits (its account is paused) while the first is retried.
        operator().contentType("application/json").body("{\"reason\":\"queue test\"}")
                .post("/api/v1/accounts/" + SECOND_ACCOUNT + "/pause").then().statusCode(200);
        String later = CommandBus.newCommandId("retry-queue-later");
        bus.send(Long.toString(droplet), accountCommand(later, SECOND_ACCOUNT, droplet, "power_off"));
        awaitJob(later);
        operator().post("/api/v1/jobs/{id}/retry", jobId).then().statusCode(200);
        operator().post("/api/v1/accounts/" + SECOND_ACCOUNT + "/resume").then().statusCode(200);

        JsonNode laterEvent = bus.awaitEvent(later, EVENT_TIMEOUT);
        assertEquals("completed", laterEvent.path("data").path("outcome").asText());
        awaitOutcome(failing, "failed", 2);
        Instant laterFinished = Instant.parse(laterEvent.path("data").path("finished_at").asText());
        JsonNode retried = awaitJob(failing, inState("failed"));
        JsonNode claim = retried.path("transitions").get(retryTransition(retried) + 1);
        assertEquals("submitting", claim.path("to").asText());
        Instant retriedClaimed = Instant.parse(claim.path("at").asText());
        assertFalse(retriedClaimed.isBefore(laterFinished), "the retry ran after the command that arrived before it");
    }

    @Test
    void onlyAFailedOrErroredJobCanBeRetried() {
        long droplet = simulator.seedDroplet("retry-completed");
        String commandId = CommandBus.newCommandId("retry-completed");
        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "reboot"));
        String jobId = bus.awaitEvent(commandId, EVENT_TIMEOUT).path("data").path("job_id").asText();

        operator().post("/api/v1/jobs/{id}/retry", jobId).then().statusCode(409)
                .body("error", is("conflict")).body("message", containsString("completed"));
        reader().get("/api/v1/jobs/{id}", jobId).then().statusCode(200).body("generation", is(1))
                .body("retryable", is(false));
    }

    /** Where the job's history shows the operator's retry: failed, back to received. */
    private static int retryTransition(JsonNode job) {
        JsonNode transitions = job.path("transitions");
        for (int i = 0; i < transitions.size(); i++) {
            if ("failed".equals(transitions.get(i).path("from").asText())
                    && "received".equals(transitions.get(i).path("to").asText())) {
                return i;
            }
        }
        throw new AssertionError("no retry in " + transitions);
    }

    /** Sends a create while every POST /v2/droplets answers 500, until the job fails (nothing was created). */
    private JsonNode failEveryCreate(ObjectNode command) {
        simulator.faults(Map.of("server_error_rate", 1, "endpoints", List.of("POST /v2/droplets")));
        String commandId = command.path("command_id").asText();
        bus.send(commandId, command.toString());
        JsonNode failed = bus.awaitEvent(commandId, Duration.ofSeconds(90));
        simulator.clearFaults();
        assertEquals("failed", failed.path("data").path("outcome").asText(), failed.toString());
        return failed;
    }

    /** Creates Droplets through the simulator's API as DigitalOcean would have for the job. */
    private void createDirectly(List<String> names, String jobTag) throws Exception {
        ObjectNode body = MAPPER.createObjectNode();
        ArrayNode array = body.putArray("names");
        names.forEach(array::add);
        body.put("region", "nyc3").put("size", "s-1vcpu-1gb").put("image", "ubuntu-24-04-x64");
        body.putArray("tags").add(jobTag);
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(simulatorUrl + "/v2/droplets")).timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + WorkerTestGround.DIGITALOCEAN_TOKEN)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, response.statusCode(), response.body());
    }

    private JsonNode awaitOutcome(String commandId, String outcome) {
        return awaitOutcome(commandId, outcome, 2);
    }

    /** The event of {@code generation} for the command, once it is published with this outcome. */
    private JsonNode awaitOutcome(String commandId, String outcome, int generation) {
        JsonNode event = Awaitility.await().atMost(EVENT_TIMEOUT).until(() -> bus.eventsFor(commandId).stream()
                .filter(e -> e.path("data").path("generation").asInt() == generation).findFirst().orElse(null),
                e -> e != null);
        assertEquals(outcome, event.path("data").path("outcome").asText(), event.toString());
        return event;
    }
}
