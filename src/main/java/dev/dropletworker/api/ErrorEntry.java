package dev.dropletworker.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.dropletworker.job.Failure;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Why a job failed, or the last API error on its way, as the job row keeps it. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@Schema(name = "JobError")
record ErrorEntry(
        @Schema(description = "api_error, retries_exhausted or tracking_timeout; null for an error that has not failed the job")
        String reason,
        Integer httpStatus,
        @Schema(description = "DigitalOcean's error id, e.g. not_found") String id,
        String message,
        @Schema(description = "DigitalOcean's request id, for support") String requestId) {

    static ErrorEntry of(Failure failure) {
        if (failure == null) {
            return null;
        }
        return new ErrorEntry(failure.reason() == null ? null : failure.reason().wireName(), failure.httpStatus(),
                failure.id(), failure.message(), failure.requestId());
    }
}
