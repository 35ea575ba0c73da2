package dev.dropletworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Exact faults queued for the next requests of an endpoint ({@code POST /_sim/faults/script}),
 * beside the probabilistic rates of {@link Faults}: "attempts 1 to 4 get 503, attempt 5 is applied
 * and its answer lost" is a script, not a dice roll. Each request that passed authentication and
 * the rate limit takes the first step queued for its endpoint whose filters it matches; steps are
 * used once, in order.
 */
final class FaultScript {

    /** What happens to a request that takes a step. */
    enum Kind {
        /** Answered 500 (or 503) with the documented error body; the request is not applied. */
        SERVER_ERROR("server_error", false, false),
        /** The connection is closed without an answer; the request is not applied. */
        RESET("reset", false, true),
        /** The request is applied, whatever it did, and its answer replaced by a 500 (or 503). */
        APPLIED_BUT_LOST("applied_but_lost", true, false),
        /** The request is applied, and the connection closed instead of answering. */
        APPLIED_BUT_LOST_RESET("applied_but_lost_reset", true, true),
        /** A create makes only its first {@code count} Droplets, then answers 500 (or 503). */
        PARTIAL_CREATE("partial_create", true, false);

        final String wireName;
        /** The request takes effect before the fault hides its answer. */
        final boolean applied;
        /** The client gets no answer at all. */
        final boolean drop;

        Kind(String wireName, boolean applied, boolean drop) {
            this.wireName = wireName;
            this.applied = applied;
            this.drop = drop;
        }

        static Kind of(String wireName) {
            return Arrays.stream(values()).filter(k -> k.wireName.equals(wireName)).findFirst().orElse(null);
        }
    }

    /** The parts of a request that steps can be limited to. */
    record Request(Endpoint endpoint, long dropletId, String tagName, JsonNode body) {
    }

    /**
     * One queued fault.
     *
     * @param status  500 or 503 for the kinds that answer; 0 for those that close the connection
     * @param count   Droplets a {@code partial_create} makes; -1 otherwise
     * @param dropletId only a request on this Droplet takes it, when not null
     * @param tagName only a request with this {@code tag_name} takes it, when not null
     * @param name    only a create that names this Droplet takes it, when not null
     */
    record Step(Endpoint endpoint, Kind kind, int status, int count, Long dropletId, String tagName, String name) {

        boolean matches(Request r) {
            return (dropletId == null || dropletId == r.dropletId())
                    && (tagName == null || tagName.equals(r.tagName()))
                    && (name == null || names(r.body()).contains(name));
        }

        ApiFailure answer() {
            return (status == 503 ? ApiError.SERVICE_UNAVAILABLE : ApiError.SERVER_ERROR).failure();
        }

        /** The {@code GET /_sim/faults/script} form, the same as the one posted. */
        Map<String, Object> toJson() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("endpoint", endpoint.label());
            out.put("fault", kind.wireName);
            if (status != 0) {
                out.put("status", status);
            }
            if (count >= 0) {
                out.put("count", count);
            }
            if (dropletId != null) {
                out.put("droplet_id", dropletId);
            }
            if (tagName != null) {
                out.put("tag_name", tagName);
            }
            if (name != null) {
                out.put("name", name);
            }
            return out;
        }

        private static List<String> names(JsonNode body) {
            List<String> names = new ArrayList<>();
            if (body != null && body.isObject()) {
                if (body.path("name").isTextual()) {
                    names.add(body.get("name").asText());
                }
                body.path("names").forEach(n -> names.add(n.asText()));
            }
            return names;
        }
    }

    private static final Set<String> FIELDS =
            Set.of("endpoint", "fault", "status", "count", "times", "droplet_id", "tag_name", "name");
    private static final int MAX_TIMES = 10_000;

    private final Map<Endpoint, ArrayDeque<Step>> queues = new EnumMap<>(Endpoint.class);
    /** Steps queued; read without the lock so that requests pay nothing while no script is set. */
    private volatile int pending;

    /** Checks every entry first, so that a bad script queues nothing. */
    void append(JsonNode script) {
        if (!script.isArray()) {
            throw new IllegalArgumentException("a fault script is a JSON array of "
                    + "{\"endpoint\":\"POST /v2/droplets/{id}/actions\",\"fault\":\"server_error\"}");
        }
        List<Step> steps = new ArrayList<>();
        int i = 0;
        for (JsonNode entry : script) {
            int times = times(entry, "[" + i + "]");
            Step step = parse(entry, "[" + i + "]");
            for (int n = 0; n < times; n++) {
                steps.add(step);
            }
            i++;
        }
        synchronized (this) {
            for (Step step : steps) {
                queues.computeIfAbsent(step.endpoint(), e -> new ArrayDeque<>()).add(step);
            }
            pending += steps.size();
        }
    }

    /** Whether any step is queued; requests skip {@link #take} (and building its argument) when not. */
    boolean armed() {
        return pending > 0;
    }

    /** The step this request takes, removed from the script; null when none matches. */
    Step take(Request request) {
        synchronized (this) {
            ArrayDeque<Step> queue = queues.get(request.endpoint());
            if (queue == null) {
                return null;
            }
            for (Iterator<Step> it = queue.iterator(); it.hasNext(); ) {
                Step step = it.next();
                if (step.matches(request)) {
                    it.remove();
                    pending--;
                    return step;
                }
            }
            return null;
        }
    }

    /** Steps not yet taken, by endpoint in the order they will be taken. */
    synchronized List<Map<String, Object>> remaining() {
        List<Map<String, Object>> out = new ArrayList<>();
        queues.values().forEach(queue -> queue.forEach(step -> out.add(step.toJson())));
        return out;
    }

    synchronized void clear() {
        queues.clear();
        pending = 0;
    }

    private static Step parse(JsonNode entry, String where) {
        if (!entry.isObject()) {
            throw new IllegalArgumentException(where + " must be an object");
        }
        for (Map.Entry<String, JsonNode> field : entry.properties()) {
            if (!FIELDS.contains(field.getKey())) {
                throw new IllegalArgumentException(where + ": unknown field " + field.getKey() + "; a step takes "
                        + FIELDS);
            }
        }
        Endpoint endpoint = Endpoint.byLabel(entry.path("endpoint").asText());
        if (endpoint == null) {
            throw new IllegalArgumentException(where + ": unknown endpoint '" + entry.path("endpoint").asText()
                    + "'; known: " + Endpoint.labels());
        }
        Kind kind = Kind.of(entry.path("fault").asText());
        if (kind == null) {
            throw new IllegalArgumentException(where + ": unknown fault '" + entry.path("fault").asText() + "'; known: "
                    + Arrays.stream(Kind.values()).map(k -> k.wireName).toList());
        }
        if (kind.applied && !endpoint.mutating()) {
            throw new IllegalArgumentException(where + ": " + kind.wireName + " needs a POST endpoint (a GET changes "
                    + "nothing to apply); use server_error or reset");
        }
        if (kind == Kind.PARTIAL_CREATE && endpoint != Endpoint.CREATE_DROPLETS) {
            throw new IllegalArgumentException(where + ": partial_create is for POST /v2/droplets only");
        }
        int count = -1;
        if (kind == Kind.PARTIAL_CREATE) {
            JsonNode n = entry.get("count");
            if (n == null || !n.isIntegralNumber() || n.asInt() < 0 || n.asInt() > CreateRequest.MAX_NAMES) {
                throw new IllegalArgumentException(where + ": partial_create needs count, the Droplets it makes (0 to "
                        + CreateRequest.MAX_NAMES + ")");
            }
            count = n.asInt();
        } else if (entry.has("count")) {
            throw new IllegalArgumentException(where + ": count is for partial_create only; repeat a step with times");
        }
        int status = 0;
        if (!kind.drop) {
            status = entry.path("status").asInt(500);
            if (status != 500 && status != 503 || entry.has("status") && !entry.get("status").isIntegralNumber()) {
                throw new IllegalArgumentException(where + ": status must be 500 or 503");
            }
        } else if (entry.has("status")) {
            throw new IllegalArgumentException(where + ": " + kind.wireName
                    + " closes the connection; it has no status");
        }
        Long dropletId = null;
        if (entry.has("droplet_id")) {
            if (!endpoint.template.startsWith("/v2/droplets/{id}")) {
                throw new IllegalArgumentException(where
                        + ": droplet_id needs an endpoint with a Droplet id in its path");
            }
            if (!entry.get("droplet_id").isIntegralNumber()) {
                throw new IllegalArgumentException(where + ": droplet_id must be an integer");
            }
            dropletId = entry.get("droplet_id").asLong();
        }
        String tagName = optionalText(entry, "tag_name", where,
                endpoint == Endpoint.POST_TAG_ACTION || endpoint == Endpoint.LIST_DROPLETS,
                "tag_name is for POST /v2/droplets/actions and GET /v2/droplets");
        String name = optionalText(entry, "name", where, endpoint == Endpoint.CREATE_DROPLETS,
                "name is for POST /v2/droplets (a name the create holds)");
        return new Step(endpoint, kind, status, count, dropletId, tagName, name);
    }

    private static int times(JsonNode entry, String where) {
        JsonNode times = entry.get("times");
        if (times == null) {
            return 1;
        }
        if (!times.isIntegralNumber() || times.asInt() < 1 || times.asInt() > MAX_TIMES) {
            throw new IllegalArgumentException(where + ": times must be a whole number from 1 to " + MAX_TIMES);
        }
        return times.asInt();
    }

    private static String optionalText(JsonNode entry, String field, String where, boolean allowed, String rule) {
        if (!entry.has(field)) {
            return null;
        }
        if (!allowed) {
            throw new IllegalArgumentException(where + ": " + rule);
        }
        if (!entry.get(field).isTextual()) {
            throw new IllegalArgumentException(where + ": " + field + " must be a string");
        }
        return entry.get(field).asText();
    }
}
