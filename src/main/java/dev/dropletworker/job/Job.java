package dev.dropletworker.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
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

/** One command's job. Rows are created by intake and moved on only through {@link JobStore}. */
@Entity
@Table(name = "job")
public class Job extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(insertable = false, updatable = false)
    public long seq;

    @Column(name = "command_id")
    public String commandId;

    @Column(name = "command_type")
    public String commandType;

    public String account;

    @Column(name = "droplet_id")
    public Long dropletId;

    @Column(name = "tag_name")
    public String tagName;

    @Column(name = "ordering_key")
    public String orderingKey;

    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode request;

    @Enumerated(EnumType.STRING)
    public JobState state;

    public String outcome;

    public int attempts;

    @Column(name = "next_run_at")
    public Instant nextRunAt;

    @Column(name = "lease_owner")
    public String leaseOwner;

    @Column(name = "lease_expires_at")
    public Instant leaseExpiresAt;

    /** When the latest POST went out. */
    @Column(name = "sent_at")
    public Instant sentAt;

    /**
     * When the worker found the answer to a POST lost (5xx, reset, timeout, or a pod that died after
     * sending): the request may have taken effect, so look before sending again.
     */
    @Column(name = "unconfirmed_since")
    public Instant unconfirmedSince;

    @Column(name = "first_submitting_at")
    public Instant firstSubmittingAt;

    @Column(name = "received_at")
    public Instant receivedAt;

    @Column(name = "submitting_at")
    public Instant submittingAt;

    @Column(name = "in_progress_at")
    public Instant inProgressAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    @Column(name = "error_reason")
    public String errorReason;

    @Column(name = "error_http_status")
    public Integer errorHttpStatus;

    @Column(name = "error_id")
    public String errorId;

    @Column(name = "error_message")
    public String errorMessage;

    @Column(name = "error_request_id")
    public String errorRequestId;

    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode problems;

    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode result;

    @Column(name = "kafka_topic")
    public String kafkaTopic;

    @Column(name = "kafka_partition")
    public Integer kafkaPartition;

    @Column(name = "kafka_offset")
    public Long kafkaOffset;
}
