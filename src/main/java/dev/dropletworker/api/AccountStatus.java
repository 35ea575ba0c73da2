package dev.dropletworker.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** An account as operators see it: its pause, its waiting jobs, its rate budget. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@Schema(name = "Account")
record AccountStatus(
        String account,
        @Schema(description = "Whether the worker has a usable token for it") boolean configured,
        @Schema(description = "Whether an operator paused its dispatch") boolean paused,
        Instant pausedAt,
        String pausedBy,
        String pauseReason,
        @Schema(description = "Jobs recorded and not yet submitted (RECEIVED)") long waitingJobs,
        Budget budget) {

    /** The account's token's budget, shared by every pod: both of DigitalOcean's sliding windows. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(name = "Budget")
    record Budget(
            @Schema(description = "Requests the worker may still make in the sliding minute") int minuteRemaining,
            @Schema(description = "The most per sliding minute (worker.budget.per-minute)") int minuteCapacity,
            @Schema(description = "Requests the worker may still make in the sliding hour") int hourRemaining,
            @Schema(description = "The most per sliding hour (worker.budget.per-hour)") int hourCapacity,
            @Schema(description = "Until when a 429's retry-after pauses the token; null if it is not paused")
            Instant pausedUntil) {
    }
}
