package dev.dropletworker.event;

import dev.dropletworker.job.JobView;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * A completion event waiting to be published (sent_at null) or already published. The outbox
 * table is this package's; its fields change only in its own methods.
 */
@Entity
@Table(name = "outbox_event")
class OutboxEvent {

    @Id
    UUID id;

    @Column(name = "job_id")
    UUID jobId;

    @Column(name = "event_key")
    String eventKey;

    @Column(name = "event_type")
    String eventType;

    String payload;

    @Column(name = "created_at")
    Instant createdAt;

    @Column(name = "sent_at")
    Instant sentAt;

    /** The job's trace, continued by the record that publishes this event. */
    @Column(name = "trace_parent")
    String traceParent;

    /** When the relay stopped trying: Kafka refused the event for good. */
    @Column(name = "parked_at")
    Instant parkedAt;

    @Column(name = "park_reason")
    String parkReason;

    /** The payload was cut down to fit a size limit (its data.truncated says what was cut). */
    boolean cut;

    static OutboxEvent of(JobView job, String payload, boolean cut) {
        OutboxEvent event = new OutboxEvent();
        event.id = job.id();
        event.jobId = job.id();
        event.eventKey = job.eventKey();
        event.eventType = CloudEvents.TYPE_PREFIX + job.outcome();
        event.payload = payload;
        event.createdAt = job.finishedAt();
        event.traceParent = job.traceParent();
        event.cut = cut;
        return event;
    }

    void markSent(Instant at) {
        sentAt = at;
    }

    /** The payload replaced by a smaller one, for a topic that refused this one as too large. */
    void cutTo(String smaller) {
        payload = smaller;
        cut = true;
    }

    void park(Instant at, String reason) {
        parkedAt = at;
        parkReason = reason;
    }

    void unpark() {
        parkedAt = null;
        parkReason = null;
    }

    ParkedEvent parked() {
        return new ParkedEvent(id, jobId, eventKey, eventType, payload, createdAt, parkedAt, parkReason, cut);
    }
}
