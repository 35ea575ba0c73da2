package dev.dropletworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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

/**
 * A client of the simulator's control API ({@code /_sim/...}): seeding Droplets, outcomes, faults,
 * action durations, the request log and accounting. The one client the project's tests and tools
 * use; producer teams can use it from their own tests against the simulator jar.
 */
public final class SimulatorControl {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * HTTP/1.1 and a timeout on every call: the JDK client's default h2c upgrade attempt was seen to
     * hang a request forever against the simulator, and a hung call must fail a test, not a suite.
     */
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;

    /** What a control call answered: its status and its JSON body (null when empty). */
    public record Reply(int status, JsonNode body, String text) {
    }

    /** The simulated API operations, as fault scripts and accounting name them. */
    public enum ApiEndpoint {
        LIST_DROPLETS("GET /v2/droplets"),
        CREATE_DROPLETS("POST /v2/droplets"),
        GET_DROPLET("GET /v2/droplets/{id}"),
        LIST_DROPLET_ACTIONS("GET /v2/droplets/{id}/actions"),
        POST_DROPLET_ACTION("POST /v2/droplets/{id}/actions"),
        POST_TAG_ACTION("POST /v2/droplets/actions"),
        GET_DROPLET_ACTION("GET /v2/droplets/{id}/actions/{action_id}"),
        LIST_ACTIONS("GET /v2/actions"),
        GET_ACTION("GET /v2/actions/{id}");

        /** {@code "POST /v2/droplets/{id}/actions"}: method and path template. */
        public final String label;

        ApiEndpoint(String label) {
            this.label = label;
        }
    }

    /** The faults a script can queue; see {@link ScriptedFault}. */
    public enum FaultKind {
        /** 500 (or 503) with the documented error body; the request is not applied. */
        SERVER_ERROR("server_error"),
        /** The connection closes without an answer; the request is not applied. */
        RESET("reset"),
        /** The request is applied and its answer replaced by a 500 (or 503). */
        APPLIED_BUT_LOST("applied_but_lost"),
        /** The request is applied and the connection closes without an answer. */
        APPLIED_BUT_LOST_RESET("applied_but_lost_reset"),
        /** A create makes only its first {@code count} Droplets and answers 500 (or 503). */
        PARTIAL_CREATE("partial_create");

        public final String wireName;

        FaultKind(String wireName) {
            this.wireName = wireName;
        }
    }

    /**
     * One step of a fault script: the next request of {@code endpoint} (that matches the optional
     * filters) gets {@code fault}. Build with the factories, then narrow:
     * {@code ScriptedFault.serverError(POST_DROPLET_ACTION).status(503).forDroplet(id).times(4)}.
     *
     * @param status    500 or 503 for the faults that answer; null for the default (500)
     * @param count     the Droplets a {@code partial_create} makes; null otherwise
     * @param times     how many consecutive steps this is (1 or more)
     * @param dropletId only a request on this Droplet (in the path) takes the step; null for any
     * @param tagName   only a request with this {@code tag_name} takes it; null for any
     * @param name      only a create that holds this name takes it; null for any
     */
    public record ScriptedFault(ApiEndpoint endpoint, FaultKind fault, Integer status, Integer count, int times,
                                Long dropletId, String tagName, String name) {

        public static ScriptedFault serverError(ApiEndpoint endpoint) {
            return new ScriptedFault(endpoint, FaultKind.SERVER_ERROR, null, null, 1, null, null, null);
        }

        public static ScriptedFault reset(ApiEndpoint endpoint) {
            return new ScriptedFault(endpoint, FaultKind.RESET, null, null, 1, null, null, null);
        }

        public static ScriptedFault appliedButLost(ApiEndpoint endpoint) {
            return new ScriptedFault(endpoint, FaultKind.APPLIED_BUT_LOST, null, null, 1, null, null, null);
        }

        public static ScriptedFault appliedButLostReset(ApiEndpoint endpoint) {
            return new ScriptedFault(endpoint, FaultKind.APPLIED_BUT_LOST_RESET, null, null, 1, null, null, null);
        }

        /** The next {@code POST /v2/droplets} creates only its first {@code created} names, then answers 500. */
        public static ScriptedFault partialCreate(int created) {
            return new ScriptedFault(ApiEndpoint.CREATE_DROPLETS, FaultKind.PARTIAL_CREATE, null, created, 1, null,
                    null, null);
        }

        /** 500 or 503. */
        public ScriptedFault status(int httpStatus) {
            return new ScriptedFault(endpoint, fault, httpStatus, count, times, dropletId, tagName, name);
        }

        public ScriptedFault times(int n) {
            return new ScriptedFault(endpoint, fault, status, count, n, dropletId, tagName, name);
        }

        public ScriptedFault forDroplet(long id) {
            return new ScriptedFault(endpoint, fault, status, count, times, id, tagName, name);
        }

        public ScriptedFault forTag(String tag) {
            return new ScriptedFault(endpoint, fault, status, count, times, dropletId, tag, name);
        }

        public ScriptedFault forName(String dropletName) {
            return new ScriptedFault(endpoint, fault, status, count, times, dropletId, tagName, dropletName);
        }

        ObjectNode toJson() {
            ObjectNode step = JSON.createObjectNode().put("endpoint", endpoint.label).put("fault", fault.wireName);
            if (status != null) {
                step.put("status", status);
            }
            if (count != null) {
                step.put("count", count);
            }
            if (times != 1) {
                step.put("times", times);
            }
            if (dropletId != null) {
                step.put("droplet_id", dropletId);
            }
            if (tagName != null) {
                step.put("tag_name", tagName);
            }
            if (name != null) {
                step.put("name", name);
            }
            return step;
        }
    }

    /** @param baseUrl the simulator's base URL, as {@link DigitalOceanSimulator#baseUrl()} gives it */
    public SimulatorControl(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /** Seeds an existing, active Droplet and returns its id. */
    public long seedDroplet(String name, String... tags) {
        return seedDroplet(JSON.createObjectNode().put("name", name), tags);
    }

    /** Seeds an existing, active Droplet with a chosen id (for documented examples such as Droplet 123). */
    public long seedDroplet(long id, String name, String... tags) {
        return seedDroplet(JSON.createObjectNode().put("id", id).put("name", name), tags);
    }

    private long seedDroplet(ObjectNode body, String... tags) {
        ArrayNode array = body.putArray("tags");
        for (String tag : tags) {
            array.add(tag);
        }
        return seed(body.toString());
    }

    /** Seeds a Droplet from the control API's own body ({@code {"id"?, "name", "tags", "status", ...}}). */
    public long seed(String json) {
        return control("POST", "droplets", json).path("droplet").path("id").asLong();
    }

    /** The next action started on this Droplet ends with this status. */
    public void nextActionOutcome(long dropletId, String status) {
        control("POST", "droplets/" + dropletId + "/next-action-outcome", object("status", status));
    }

    /** The next create ends with this status. */
    public void nextCreateOutcome(String status) {
        control("POST", "next-create-outcome", object("status", status));
    }

    /** Milliseconds per action type ({@code "default"} for the rest); types not named keep theirs. */
    public void actionDurations(Map<String, Long> millis) {
        control("PATCH", "action-durations", JSON.valueToTree(millis).toString());
    }

    /**
     * Actions of {@code type} ({@code "default"} for every type not set on its own) each run a
     * duration drawn uniformly from {@code min} to {@code max}, repeatably for the simulator's seed.
     */
    public void actionDurationRange(String type, Duration min, Duration max) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject(type).put("min_ms", min.toMillis()).put("max_ms", max.toMillis());
        control("PATCH", "action-durations", body.toString());
    }

    /** Merges these fault settings into the current ones (fields not given keep their value). */
    public void faults(Map<String, Object> faults) {
        control("PUT", "faults", JSON.valueToTree(faults).toString());
    }

    /**
     * Queues these steps after any already queued ({@code POST /_sim/faults/script}). Each is taken
     * by the next request of its endpoint that passed authentication and the rate limit and matches
     * its filters, once, in order; the probabilistic faults skip a request that took a step.
     */
    public void scriptFaults(ScriptedFault... steps) {
        scriptFaults(List.of(steps));
    }

    public void scriptFaults(List<ScriptedFault> steps) {
        ArrayNode script = JSON.createArrayNode();
        steps.forEach(step -> script.add(step.toJson()));
        control("POST", "faults/script", script.toString());
    }

    /** The steps not yet taken, in the JSON form the script was posted in. */
    public List<JsonNode> faultScript() {
        List<JsonNode> steps = new ArrayList<>();
        control("GET", "faults/script", null).path("script").forEach(steps::add);
        return steps;
    }

    /** Drops every step not yet taken ({@code reset} does too). */
    public void clearFaultScript() {
        control("DELETE", "faults/script", null);
    }

    /** Scripted steps taken so far, by fault. */
    public long scriptedFaultsInjected(FaultKind fault) {
        return accounting().path("scripted_faults_injected").path(fault.wireName).asLong();
    }

    /** Every fault off, the fault script's steps not yet taken included. */
    public void clearFaults() {
        clearFaultScript();
        faults(Map.of("server_error_rate", 0, "drop_connection_rate", 0, "applied_but_lost_rate", 0,
                "applied_but_lost_response", "server_error", "errored_probability", 0,
                "not_found_after_create_ms", 0, "latency_ms", Map.of("fixed", 0, "jitter", 0),
                "endpoints", List.of()));
    }

    /** Sequence number of the last API request seen; pass it to {@link #requestsSince} to look only after it. */
    public long lastSeq() {
        return control("GET", "requests?since=0", null).path("last_seq").asLong();
    }

    /** API requests the simulator received after {@code seq}: method, path, endpoint, status, body. */
    public List<JsonNode> requestsSince(long seq) {
        List<JsonNode> list = new ArrayList<>();
        control("GET", "requests?since=" + seq, null).path("requests").forEach(list::add);
        return list;
    }

    /** Requests by token, method, endpoint and status; Droplets created per tag; faults injected. */
    public JsonNode accounting() {
        return control("GET", "accounting", null);
    }

    /** The count accounting reports for one (token label, method, endpoint, status). */
    public long requestCount(String tokenLabel, String method, String endpoint, int status) {
        for (JsonNode row : accounting().path("requests")) {
            if (row.path("token").asText().equals(tokenLabel) && row.path("method").asText().equals(method)
                    && row.path("endpoint").asText().equals(endpoint) && row.path("status").asInt() == status) {
                return row.path("count").asLong();
            }
        }
        return 0;
    }

    /**
     * One token's traffic as the simulator counted it: requests accepted (counted against its
     * limits), refused with 429, and the most accepted in any sliding 60 s and 3,600 s window
     * (exact to the millisecond, counted apart from the limiter).
     */
    public record TokenWindows(long accepted, long tooManyRequests, long peakMinute, long peakHour) {
    }

    /** The windows of one token label ({@code token-1}, ...); zeros for a token not seen. */
    public TokenWindows tokenWindows(String tokenLabel) {
        JsonNode t = accounting().path("per_token").path(tokenLabel);
        return new TokenWindows(t.path("accepted").asLong(), t.path("too_many_requests").asLong(),
                t.path("peak_minute").asLong(), t.path("peak_hour").asLong());
    }

    /** Forgets every Droplet, action, fault, count and logged request. */
    public void reset() {
        control("POST", "reset", null);
    }

    /** A control call that must succeed; returns its body (an empty object for 204). */
    public JsonNode control(String method, String path, String json) {
        Reply reply = call(method, path, json);
        if (reply.status() >= 300) {
            throw new IllegalStateException(method + " /_sim/" + path + " -> " + reply.status() + " " + reply.text());
        }
        return reply.body() == null ? JSON.createObjectNode() : reply.body();
    }

    /** Any control call, answered as it came (for tests of the control API's own errors). */
    public Reply call(String method, String path, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/_sim/" + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            String text = response.body();
            JsonNode body = null;
            if (!text.isEmpty()) {
                try {
                    body = JSON.readTree(text);
                } catch (IOException notJson) {
                    // an error page; the text says what happened
                }
            }
            return new Reply(response.statusCode(), body, text);
        } catch (IOException e) {
            throw new IllegalStateException(method + " /_sim/" + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String object(String field, String value) {
        return JSON.createObjectNode().put(field, value).toString();
    }
}
