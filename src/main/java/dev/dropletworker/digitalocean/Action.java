package dev.dropletworker.digitalocean;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.time.Duration;
import java.time.Instant;

/** A DigitalOcean action, with the fields a user of the worker gets back. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Action(
        long id,
        String status,
        String type,
        @JsonProperty("started_at") @JsonDeserialize(using = ApiInstantDeserializer.class) Instant startedAt,
        @JsonProperty("completed_at") @JsonDeserialize(using = ApiInstantDeserializer.class) Instant completedAt,
        @JsonProperty("resource_id") Long resourceId,
        @JsonProperty("resource_type") String resourceType,
        @JsonProperty("region_slug") String regionSlug) {

    public static final String IN_PROGRESS = "in-progress";
    public static final String COMPLETED = "completed";
    public static final String ERRORED = "errored";

    /**
     * How far DigitalOcean's clock may be behind the database's, which stamps every time the worker
     * keeps: an action started after one of our times may carry a started_at up to this much before it.
     */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    /** Whether this action may have started at or after {@code ourTime} (a database time). */
    public boolean startedSince(Instant ourTime) {
        return startedAt != null && !startedAt.isBefore(ourTime.minus(CLOCK_SKEW));
    }

    /**
     * Terminal when the status says so, or when completed_at is set (terraform decides on the
     * timestamp; an unknown status with a completion time is treated as finished).
     */
    public boolean isFinished() {
        return COMPLETED.equals(status) || ERRORED.equals(status) || completedAt != null;
    }

    /** The status a finished action is reported with: errored only when the API says so. */
    public String finalStatus() {
        return ERRORED.equals(status) ? ERRORED : COMPLETED;
    }
}
