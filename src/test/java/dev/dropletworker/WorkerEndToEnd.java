package dev.dropletworker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.budget.RateBudget;
import dev.dropletworker.budget.RateLimitSnapshot;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.simulator.SimulatorControl;
import dev.dropletworker.tools.ground.CommandBus;
import jakarta.inject.Inject;
import dev.dropletworker.testsupport.WorkerTestGround;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;

/**
 * What an end-to-end test of the running worker holds: a producer's view of Kafka, the
 * simulator's control API, and the job table.
 */
abstract class WorkerEndToEnd {

    static final Duration EVENT_TIMEOUT = Duration.ofSeconds(45);
    private static final ObjectMapper JSON = new ObjectMapper();

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "digitalocean.api-url")
    String simulatorUrl;

    @Inject
    JobStore jobs;

    @Inject
    RateBudget budget;

    @ConfigProperty(name = "digitalocean.token")
    String token;

    CommandBus bus;
    SimulatorControl simulator;

    @BeforeEach
    void connect() {
        bus = CommandBus.on(bootstrap);
        simulator = new SimulatorControl(simulatorUrl);
    }

    /** Another client of the worker's token got a 429 with this retry-after: every pod must hold off as long. */
    void anotherClientWasRateLimited(Duration retryAfter) {
        budget.observe(token, 429, new RateLimitSnapshot(5000, 0, null, retryAfter));
    }

    /** Responses of this status to requests on exactly this path that the simulator received after {@code since}. */
    List<JsonNode> answers(long since, String path, int status) {
        return simulator.requestsSince(since).stream()
                .filter(r -> path.equals(r.path("path").asText()) && r.path("status").asInt() == status)
                .toList();
    }

    /**
     * Starts an action on a Droplet as another user of the same token would (a person with doctl,
     * another service): the worker does not know of it, but finds the Droplet busy.
     */
    void startActionAsAnotherClient(long dropletId, String type) {
        try {
            HttpResponse<String> answer = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                    HttpRequest.newBuilder(URI.create(simulatorUrl + "/v2/droplets/" + dropletId + "/actions"))
                            .header("Authorization", "Bearer " + WorkerTestGround.DIGITALOCEAN_TOKEN)
                            .header("Content-Type", "application/json")
                            .timeout(Duration.ofSeconds(10))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"" + type + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 201) {
                throw new IllegalStateException("the other client's action was refused: " + answer.body());
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** POSTs to exactly this path that the simulator received after {@code since}. */
    List<JsonNode> posts(long since, String path) {
        return simulator.requestsSince(since).stream()
                .filter(r -> "POST".equals(r.path("method").asText()) && path.equals(r.path("path").asText()))
                .toList();
    }

    /** A droplet.create of {@code count} Droplets named after {@code prefix} (one: the prefix itself). */
    static ObjectNode createCommand(String prefix, int count) {
        ObjectNode command = JSON.createObjectNode()
                .put("command_id", CommandBus.newCommandId(prefix))
                .put("type", "droplet.create");
        ObjectNode droplet = command.putObject("droplet");
        if (count == 1) {
            droplet.put("name", prefix);
        } else {
            ArrayNode names = droplet.putArray("names");
            for (int i = 1; i <= count; i++) {
                names.add(prefix + "-" + i);
            }
        }
        droplet.put("region", "nyc3").put("size", "s-1vcpu-1gb").put("image", "ubuntu-24-04-x64");
        return command;
    }

    /** A droplet.tag_action command; the caller adds the action's parameters. */
    static ObjectNode tagCommand(String prefix, String tag, String type) {
        ObjectNode command = JSON.createObjectNode()
                .put("command_id", CommandBus.newCommandId(prefix))
                .put("type", "droplet.tag_action")
                .put("tag_name", tag);
        command.putObject("action").put("type", type);
        return command;
    }

    static String actionCommand(String commandId, long dropletId, String type) {
        return "{\"command_id\":\"" + commandId + "\",\"type\":\"droplet.action\",\"droplet_id\":" + dropletId
                + ",\"action\":{\"type\":\"" + type + "\"}}";
    }
}
