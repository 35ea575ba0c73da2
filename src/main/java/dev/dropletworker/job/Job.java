package dev.dropletworker.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * One command's job. Its fields are this package's alone: rows are created by intake and moved on
 * only through {@link JobStore}, {@link SubmissionLedger} and {@link TrackingLedger}; everyone else
 * reads a {@link JobView}. Fields change only in this class's methods: Hibernate's dirty tracking
 * sees writes made inside the entity, not assignments from other classes.
 */
@Entity
@Table(name = "job")
class Job {

    @Id
    UUID id;

    @Column(insertable = false, updatable = false)
    long seq;

    @Column(name = "command_id")
    String commandId;

    /** As sent: a rejected command keeps whatever {@code type} it came with. */
    @Column(name = "command_type")
    String commandType;

    String account;

    @Column(name = "droplet_id")
    Long dropletId;

    @Column(name = "tag_name")
    String tagName;

    @Column(name = "ordering_key")
    String orderingKey;

    @JdbcTypeCode(SqlTypes.JSON)
    JsonNode request;

    @Enumerated(EnumType.STRING)
    JobState state;

    String outcome;

    int attempts;

    /** Claims after the last attempt that only looked for what it did. */
    int looks;

    @Column(name = "next_run_at")
    Instant nextRunAt;

    @Column(name = "lease_owner")
    String leaseOwner;

    @Column(name = "lease_expires_at")
    Instant leaseExpiresAt;

    /** When the latest POST went out. */
    @Column(name = "sent_at")
    Instant sentAt;

    /**
     * When the worker found the answer to a POST lost (5xx, reset, timeout, or a pod that died after
     * sending): the request may have taken effect, so look before sending again.
     */
    @Column(name = "unconfirmed_since")
    Instant unconfirmedSince;

    @Column(name = "first_submitting_at")
    Instant firstSubmittingAt;

    @Column(name = "received_at")
    Instant receivedAt;

    @Column(name = "submitting_at")
    Instant submittingAt;

    @Column(name = "in_progress_at")
    Instant inProgressAt;

    @Column(name = "finished_at")
    Instant finishedAt;

    @Column(name = "updated_at")
    Instant updatedAt;

    @Column(name = "error_reason")
    String errorReason;

    @Column(name = "error_http_status")
    Integer errorHttpStatus;

    @Column(name = "error_id")
    String errorId;

    @Column(name = "error_message")
    String errorMessage;

    @Column(name = "error_request_id")
    String errorRequestId;

    @JdbcTypeCode(SqlTypes.JSON)
    JsonNode problems;

    @JdbcTypeCode(SqlTypes.JSON)
    JsonNode result;

    @Column(name = "kafka_topic")
    String kafkaTopic;

    @Column(name = "kafka_partition")
    Integer kafkaPartition;

    @Column(name = "kafka_offset")
    Long kafkaOffset;

    /** The W3C traceparent every pod's work on this job continues, and its event carries. */
    @Column(name = "trace_parent")
    String traceParent;

    /** False for a tag action whose Droplets the worker has not listed yet. */
    @Column(name = "targets_known")
    boolean targetsKnown;

    /**
     * For a job that ended while an action of it still ran (a tracking timeout): until when its
     * Droplets stay held, unless DigitalOcean shows the action finished first.
     */
    @Column(name = "holds_until")
    Instant holdsUntil;

    /** The wait the job is in (busy Droplet, rate budget): repeats of it write no row. */
    @Column(name = "wait_reason")
    String waitReason;

    /** How many claims in a row ended in {@link #waitReason}. */
    int waits;

    /** The pod whose claim began the current run of waits. */
    @Column(name = "wait_owner")
    String waitOwner;

    /** Stamps {@code target} and its time; the lease ends with every state but SUBMITTING. */
    void moveTo(JobState target, Instant now) {
        state = target;
        updatedAt = now;
        switch (target) {
            case RECEIVED -> endLease();
            case SUBMITTING -> submittingAt = now;
            case IN_PROGRESS -> {
                inProgressAt = now;
                unconfirmedSince = null;
                endLease();
            }
            default -> {
                finishedAt = now;
                outcome = target.outcome();
                endLease();
            }
        }
    }

    private void endLease() {
        leaseOwner = null;
        leaseExpiresAt = null;
    }

    /** Whether this claim ends in the same wait as the last one: then it is counted, not recorded. */
    boolean repeatsWait(String reason) {
        return reason.equals(waitReason);
    }

    void startWaiting(String reason, String owner) {
        waitReason = reason;
        waitOwner = owner;
        waits = 1;
    }

    void waitedAgain() {
        waits++;
    }

    /** The run of waits the job was in, ended (null if none); its fields cleared. */
    String endWait() {
        if (waitReason == null) {
            return null;
        }
        String ended = "claimed by " + waitOwner + " after " + waits + " waits (" + waitReason + ")";
        waitReason = null;
        waitOwner = null;
        waits = 0;
        return ended;
    }

    /** The Droplets of this (tag) job are now listed. */
    void targetsListed() {
        targetsKnown = true;
    }

    /** Ended while its action runs on: its Droplets stay held until {@code until} or until the action ends. */
    void holdUntil(Instant until) {
        holdsUntil = until;
    }

    boolean holding() {
        return holdsUntil != null;
    }

    void letGo() {
        holdsUntil = null;
    }

    /** Due for its next claim at {@code at}. */
    void dueAt(Instant at) {
        nextRunAt = at;
    }

    /** A claim whose request reached DigitalOcean and counts as an attempt. */
    void countAttempt() {
        attempts++;
    }

    /** A claim after the last attempt, which only looked for what that attempt did. */
    void countLook() {
        looks++;
    }

    /** The answer to a request was lost at {@code now}: it may have taken effect. */
    void markUnconfirmed(Instant now) {
        unconfirmedSince = now;
    }

    /** For a create, the Droplets as the create's answer (or an earlier attempt's lookup) gave them. */
    void keepCreatedDroplets(JsonNode droplets) {
        result = JsonNodeFactory.instance.objectNode().set("droplets", droplets);
    }

    /** The event's extra data, as the job ends (a create's Droplets as read at the end). */
    void keepResult(JsonNode finalResult) {
        result = finalResult;
    }

    /** Keeps the last API error met on the way, which has not (yet) failed the job. */
    void recordLastError(Failure error) {
        errorHttpStatus = error.httpStatus();
        errorId = error.id();
        errorMessage = error.message();
        errorRequestId = error.requestId();
    }

    /** Keeps why the job failed: the reason, and the API error behind it if there is one. */
    void recordFailure(Failure failure) {
        errorReason = failure.reason().wireName();
        recordLastError(failure);
    }

    /** The error the row keeps, or null. */
    Failure error() {
        if (errorReason == null && errorHttpStatus == null && errorId == null && errorMessage == null) {
            return null;
        }
        return new Failure(Failure.Reason.fromWireName(errorReason), errorHttpStatus, errorId, errorMessage,
                errorRequestId);
    }

    JobView view() {
        return new JobView(id, commandId, commandType, CommandType.fromWireName(commandType).orElse(null), account,
                dropletId, tagName, copy(request), state, outcome, attempts, looks, leaseOwner, sentAt, unconfirmedSince,
                receivedAt, firstSubmittingAt, submittingAt, inProgressAt, finishedAt, error(), copy(problems),
                copy(result), kafkaTopic == null ? null : new RecordOrigin(kafkaTopic, kafkaPartition, kafkaOffset),
                traceParent);
    }

    private static JsonNode copy(JsonNode node) {
        return node == null ? null : node.deepCopy();
    }
}
