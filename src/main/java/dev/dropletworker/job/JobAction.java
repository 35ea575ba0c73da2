package dev.dropletworker.job;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.digitalocean.Action;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.IntFunction;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A DigitalOcean action a job started, followed by the tracker until it completes or errors. Its
 * fields change only in its own methods (see {@link Job}).
 */
@Entity
@Table(name = "job_action")
class JobAction {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    Long id;

    @Column(name = "job_id")
    UUID jobId;

    /** The job's attempt generation that started it (see {@link Job#generation}). */
    int generation;

    @Column(name = "action_id")
    long actionId;

    @Column(name = "droplet_id")
    Long dropletId;

    String type;

    String status;

    @Column(name = "started_at")
    Instant startedAt;

    @Column(name = "completed_at")
    Instant completedAt;

    @Column(name = "resource_type")
    String resourceType;

    @Column(name = "region_slug")
    String regionSlug;

    int polls;

    @Column(name = "poll_failures")
    int pollFailures;

    @Column(name = "next_poll_at")
    Instant nextPollAt;

    @Column(name = "lease_expires_at")
    Instant leaseExpiresAt;

    /** For a create: the Droplet (name, status, networks) as read once its create completed. */
    @JdbcTypeCode(SqlTypes.JSON)
    JsonNode droplet;

    /** A new row following {@code action} for a job's {@code generation}, first polled at {@code firstPoll}. */
    static JobAction following(UUID jobId, int generation, Action action, Instant firstPoll) {
        JobAction row = new JobAction();
        row.jobId = jobId;
        row.generation = generation;
        row.actionId = action.id();
        row.status = Action.IN_PROGRESS;
        row.nextPollAt = firstPoll;
        row.type = action.type();
        row.dropletId = action.resourceId();
        row.copy(action);
        return row;
    }

    /**
     * What DigitalOcean last said about the action: its times, resource and region, and once it
     * finished, its final status. The type and Droplet are kept when the answer leaves them out
     * (a create's answer links only the action id).
     */
    void copy(Action action) {
        type = action.type() != null ? action.type() : type;
        dropletId = action.resourceId() != null ? action.resourceId() : dropletId;
        startedAt = action.startedAt();
        completedAt = action.completedAt();
        resourceType = action.resourceType();
        regionSlug = action.regionSlug();
        if (action.isFinished()) {
            status = action.finalStatus();
        }
    }

    /** A poll saw {@code action}; if it is still running, the next poll comes {@code untilNextPoll(polls)} later. */
    void recordPoll(Action action, Instant now, IntFunction<Duration> untilNextPoll) {
        polls++;
        pollFailures = 0;
        copy(action);
        if (inProgress()) {
            nextPollAt = now.plus(untilNextPoll.apply(polls));
        }
    }

    /** A poll failed; the next try comes {@code retryIn(pollFailures)} later. */
    void recordPollFailure(Instant now, IntFunction<Duration> retryIn) {
        pollFailures++;
        nextPollAt = now.plus(retryIn.apply(pollFailures));
    }

    /** A created Droplet's final read failed; @return how many times in a row */
    int finalReadFailed() {
        return ++pollFailures;
    }

    void keepDroplet(JsonNode read) {
        droplet = read;
    }

    boolean inProgress() {
        return Action.IN_PROGRESS.equals(status);
    }

    ActionView view() {
        return new ActionView(id, jobId, generation, actionId, dropletId, type, status, startedAt, completedAt, resourceType,
                regionSlug, polls, pollFailures, droplet == null ? null : droplet.deepCopy());
    }
}
