package dev.dropletworker.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.dropletworker.job.JobView;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A job as a row of the job list shows it. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@Schema(name = "JobSummary")
record JobSummary(
        UUID id,
        String commandId,
        @Schema(description = "droplet.create, droplet.action or droplet.tag_action (for a rejected command, as sent)")
        String commandType,
        String account,
        @Schema(description = "received, submitting, in_progress, completed, errored, failed, rejected or cancelled")
        String state,
        @Schema(description = "For a finished job: completed, errored, failed, rejected or cancelled")
        String outcome,
        @Schema(description = "1, plus one for each retry")
        int generation,
        @Schema(description = "Submissions that reached DigitalOcean in this generation")
        int attempts,
        Long dropletId,
        String tagName,
        @Schema(description = "The action's type, for droplet.action and droplet.tag_action")
        String actionType,
        Instant receivedAt,
        Instant finishedAt,
        ErrorEntry error) {

    static JobSummary of(JobView job) {
        return new JobSummary(job.id(), job.commandId(), job.commandType(), job.account(),
                job.state().name().toLowerCase(), job.outcome(), job.generation(), job.attempts(), job.dropletId(),
                job.tagName(), job.type() == null || job.type().createsDroplets() ? null : job.actionType(),
                job.receivedAt(), job.finishedAt(), ErrorEntry.of(job.error()));
    }
}
