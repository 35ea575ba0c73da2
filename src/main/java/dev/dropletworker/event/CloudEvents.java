package dev.dropletworker.event;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.job.ActionView;
import dev.dropletworker.job.Failure;
import dev.dropletworker.job.JobView;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
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

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
