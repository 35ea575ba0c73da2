package dev.dropletworker.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.job.ActionView;
import dev.dropletworker.job.Failure;
import dev.dropletworker.job.JobView;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps a finished job to its CloudEvent 1.0 (structured JSON). The event id is stable per job and
 * attempt generation ({@link JobView#eventId()}: the job id for the first), so every publication of
 * one generation's event carries the same id and consumers can dedupe on it, while an operator's
 * retry answers with a new one.
 */
@ApplicationScoped
public class CloudEvents {

    public static final String SOURCE = "/droplet-worker";
    public static final String TYPE_PREFIX = "dev.dropletworker.job.";

    private static final int MAX_CUT_ACTIONS = 20;
    private static final int MAX_CUT_DROPLETS = 20;
    private static final int MAX_CUT_PROBLEMS = 10;
    private static final int MAX_CUT_MESSAGE = 1000;
    private static final int MAX_BARE_MESSAGE = 200;

    private final ObjectMapper mapper;

    public CloudEvents(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public ObjectNode of(JobView job, List<ActionView> actions) {
        ObjectNode event = mapper.createObjectNode();
        event.put("specversion", "1.0");
        event.put("id", job.eventId().toString());
        event.put("source", SOURCE);
        event.put("type", TYPE_PREFIX + job.outcome());
        event.put("subject", job.commandId());
        event.put("time", text(job.finishedAt()));
        event.put("datacontenttype", "application/json");
        event.set("data", data(job, actions));
        return event;
    }

    private ObjectNode data(JobView job, List<ActionView> actions) {
        ObjectNode data = mapper.createObjectNode();
        data.put("job_id", job.id().toString());
        data.put("command_id", job.commandId());
        data.put("command_type", job.commandType());
        data.put("account", job.account());
        data.put("outcome", job.outcome());
        data.put("generation", job.generation());
        if (job.dropletId() != null) {
            data.put("droplet_id", job.dropletId());
        }
        if (job.tagName() != null) {
            data.put("tag_name", job.tagName());
        }
        ArrayNode list = data.putArray("actions");
        for (ActionView a : actions) {
            ObjectNode action = list.addObject();
            action.put("id", a.actionId());
            action.put("type", a.type());
            action.put("status", a.status());
            action.put("started_at", text(a.startedAt()));
            action.put("completed_at", text(a.completedAt()));
            if (a.dropletId() != null) {
                action.put("resource_id", a.dropletId());
            } else {
                action.putNull("resource_id");
            }
            action.put("resource_type", a.resourceType());
            action.put("region_slug", a.regionSlug());
        }
        if (job.result() != null && job.result().has("droplets")) {
            data.set("droplets", job.result().get("droplets"));
        }
        Failure failure = job.error();
        if (failure != null && failure.reason() != null) {
            ObjectNode error = data.putObject("error");
            error.put("reason", failure.reason().wireName());
            if (failure.httpStatus() != null) {
                error.put("http_status", failure.httpStatus());
            } else {
                error.putNull("http_status");
            }
            error.put("id", failure.id());
            error.put("message", failure.message());
            error.put("request_id", failure.requestId());
        }
        if (job.problems() != null) {
            data.set("problems", job.problems());
        }
        data.put("attempts", job.attempts());
        data.put("received_at", text(job.receivedAt()));
        data.put("submitted_at", text(job.inProgressAt()));
        data.put("finished_at", text(job.finishedAt()));
        return data;
    }

    /**
     * The event cut down so that it fits {@code maxBytes} (UTF-8), saying in {@code data.truncated}
     * what was cut: first long lists and the Droplets' networks, then everything but the outcome,
     * its error and the job's identity. A job with thousands of actions or problems still gets its
     * event.
     */
    public ObjectNode cut(ObjectNode event, int maxBytes, String reason) {
        int original = size(event);
        ObjectNode shorter = event.deepCopy();
        ObjectNode data = (ObjectNode) shorter.get("data");
        List<String> omitted = new ArrayList<>();
        keepFirst(data, "actions", MAX_CUT_ACTIONS, omitted);
        keepFirst(data, "problems", MAX_CUT_PROBLEMS, omitted);
        keepFirst(data, "droplets", MAX_CUT_DROPLETS, omitted);
        boolean networks = false;
        for (JsonNode droplet : data.path("droplets")) {
            networks |= ((ObjectNode) droplet).remove("networks") != null;
        }
        if (networks) {
            omitted.add("droplets[].networks");
        }
        cutText(data.path("error"), "message", MAX_CUT_MESSAGE, omitted);
        data.set("truncated", truncated(reason, original, omitted));
        if (size(shorter) <= maxBytes) {
            return shorter;
        }
        return bare(event, reason);
    }

    /**
     * The least an event can be and still answer its command: the job's identity, its outcome, the
     * error behind a failure, its first problem for a rejection, its times.
     */
    public ObjectNode bare(ObjectNode event, String reason) {
        int original = size(event);
        ObjectNode bare = event.deepCopy();
        ObjectNode data = (ObjectNode) bare.get("data");
        List<String> omitted = new ArrayList<>();
        for (String list : List.of("actions", "droplets")) {
            if (data.has(list)) {
                omitted.add(list + " (" + data.path(list).size() + " not listed)");
                data.remove(list);
            }
        }
        keepFirst(data, "problems", 1, omitted);
        cutText(data.path("error"), "message", MAX_BARE_MESSAGE, omitted);
        data.remove("truncated");
        data.set("truncated", truncated(reason, original, omitted));
        return bare;
    }

    private ObjectNode truncated(String reason, int originalBytes, List<String> omitted) {
        ObjectNode truncated = mapper.createObjectNode();
        truncated.put("reason", reason);
        truncated.put("original_bytes", originalBytes);
        omitted.forEach(truncated.putArray("omitted")::add);
        return truncated;
    }

    private static void keepFirst(ObjectNode data, String list, int max, List<String> omitted) {
        JsonNode items = data.get(list);
        if (items instanceof ArrayNode array && array.size() > max) {
            int total = array.size();
            while (array.size() > max) {
                array.remove(array.size() - 1);
            }
            omitted.add(list + " (" + (total - max) + " of " + total + " not listed)");
        }
    }

    private static void cutText(JsonNode object, String field, int max, List<String> omitted) {
        if (object instanceof ObjectNode node && node.path(field).isTextual() && node.get(field).asText().length() > max) {
            node.put(field, node.get(field).asText().substring(0, max) + "…");
            omitted.add(field + " (shortened)");
        }
    }

    /** An event's size as published (UTF-8 bytes of its JSON). */
    public static int size(JsonNode event) {
        return event.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
