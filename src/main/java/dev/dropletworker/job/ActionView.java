package dev.dropletworker.job;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.digitalocean.Action;
import java.time.Instant;
import java.util.UUID;

/**
 * An action a job started, as last recorded.
 *
 * @param rowId this row's id, by which the tracker records its polls
 * @param generation the job's attempt generation that started it
 * @param actionId DigitalOcean's action id
 * @param polls reads of the action so far
 * @param pollFailures consecutive failed reads
 * @param droplet for a create, the Droplet as read once the create completed; null until then
 */
public record ActionView(
        long rowId,
        UUID jobId,
        int generation,
        long actionId,
        Long dropletId,
        String type,
        String status,
        Instant startedAt,
        Instant completedAt,
        String resourceType,
        String regionSlug,
        int polls,
        int pollFailures,
        JsonNode droplet) {

    public boolean inProgress() {
        return Action.IN_PROGRESS.equals(status);
    }

    public boolean errored() {
        return Action.ERRORED.equals(status);
    }

    public boolean completed() {
        return Action.COMPLETED.equals(status);
    }
}
