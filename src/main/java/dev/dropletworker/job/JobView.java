package dev.dropletworker.job;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/**
 * A job as it stood when read: what every package outside {@code job/} sees of it. The JSON
 * members are copies; changing them changes nothing.
 *
 * @param commandType the command's {@code type} as sent
 * @param type the command's kind; null only for a rejected command whose type was not one
 * @param request the DigitalOcean request body (create or action); null for a rejected command
 * @param attempts claims whose request reached DigitalOcean and counted (waits for a busy Droplet,
 *     for the rate budget or for a 429 do not), at most the configured number
 * @param looks claims after the last attempt that only looked for what it did
 * @param error the last API error on the way, or why the job failed (its reason set); null if none
 * @param problems for a rejected command, each problem; null otherwise
 * @param result for a create, the Droplets as first returned and, once finished, as read at the end
 * @param origin where intake read the command
 * @param traceParent the W3C trace context the job's work continues (the command's), or null
 */
public record JobView(
        UUID id,
        String commandId,
        String commandType,
        CommandType type,
        String account,
        Long dropletId,
        String tagName,
        JsonNode request,
        JobState state,
        String outcome,
        int attempts,
        int looks,
        String leaseOwner,
        Instant sentAt,
        Instant unconfirmedSince,
        Instant receivedAt,
        Instant firstSubmittingAt,
        Instant submittingAt,
        Instant inProgressAt,
        Instant finishedAt,
        Failure error,
        JsonNode problems,
        JsonNode result,
        RecordOrigin origin,
        String traceParent) {

    /** Kafka key of this job's event: the same as its command's. */
    public String eventKey() {
        return CommandType.eventKey(type, commandId, dropletId);
    }

    /** The action type of a {@code droplet.action} or {@code droplet.tag_action}. */
    public String actionType() {
        return request == null ? null : request.path("type").asText(null);
    }

    /** How many Droplets a create asks for ({@code names}, or one {@code name}). */
    public int dropletCount() {
        return request != null && request.has("names") ? request.get("names").size() : 1;
    }
}
