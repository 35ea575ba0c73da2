package dev.dropletworker.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Drives the DigitalOcean simulator's control API ({@code /_sim/...}) from tests. */
public final class SimulatorAdmin {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /**
     * HTTP/1.1 and a timeout on every call: the JDK client's default h2c upgrade attempt was seen to
     * hang a request forever against the simulator, and a hung call must fail a test, not the suite.
     */
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;

    public SimulatorAdmin(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** Seeds an existing, active Droplet and returns its id. */
    public long seedDroplet(String name, String... tags) {
        return seed(MAPPER.createObjectNode().put("name", name), tags);
    }

    /** Seeds an existing, active Droplet with a chosen id (for documented examples such as Droplet 123). */
    public long seedDroplet(long id, String name, String... tags) {
        return seed(MAPPER.createObjectNode().put("id", id).put("name", name), tags);
    }

    private long seed(ObjectNode body, String... tags) {
        var array = body.putArray("tags");
        for (String tag : tags) {
            array.add(tag);
        }
        return call("POST", "/_sim/droplets", body).path("droplet").path("id").asLong();
    }

    /** The next action started on this Droplet ends with this status. */
    public void nextActionOutcome(long dropletId, String status) {
        call("POST", "/_sim/droplets/" + dropletId + "/next-action-outcome",
                MAPPER.createObjectNode().put("status", status));
    }

    public void nextCreateOutcome(String status) {
        call("POST", "/_sim/next-create-outcome", MAPPER.createObjectNode().put("status", status));
    }

    /** Milliseconds per action type ({@code "default"} for the rest); types not named keep theirs. */
    public void actionDurations(Map<String, Long> millis) {
        call("PATCH", "/_sim/action-durations", MAPPER.valueToTree(millis));
    }

    public void faults(Map<String, Object> faults) {
        call("PUT", "/_sim/faults", MAPPER.valueToTree(faults));
    }

    public void clearFaults() {
        faults(Map.of("server_error_rate", 0, "drop_connection_rate", 0, "applied_but_lost_rate", 0,
                "applied_but_lost_response", "server_error", "errored_probability", 0,
                "not_found_after_create_ms", 0, "latency_ms", Map.of("fixed", 0, "jitter", 0),
                "endpoints", List.of()));
    }

    /** Sequence number of the last API request seen; pass it to {@link #requestsSince} to look only after it. */
    public long lastSeq() {
        return call("GET", "/_sim/requests?since=0", null).path("last_seq").asLong();
    }

    /** API requests the simulator received after {@code seq}: method, path, endpoint, status, body. */
    public List<JsonNode> requestsSince(long seq) {
        List<JsonNode> list = new ArrayList<>();
        call("GET", "/_sim/requests?since=" + seq, null).path("requests").forEach(list::add);
        return list;
    }

    public JsonNode accounting() {
        return call("GET", "/_sim/accounting", null);
    }

    private JsonNode call(String method, String path, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + " -> " + response.statusCode() + " "
                        + response.body());
            }
            return response.body().isEmpty() ? MAPPER.createObjectNode() : MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
