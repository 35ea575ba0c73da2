package dev.dropletworker.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A DigitalOcean action a job started, followed by the tracker until it completes or errors. */
@Entity
@Table(name = "job_action")
public class JobAction extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "job_id")
    public UUID jobId;

    @Column(name = "action_id")
    public long actionId;

    @Column(name = "droplet_id")
    public Long dropletId;

    public String type;

    public String status;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "completed_at")
    public Instant completedAt;

    @Column(name = "resource_type")
    public String resourceType;

    @Column(name = "region_slug")
    public String regionSlug;

    public int polls;

    @Column(name = "poll_failures")
    public int pollFailures;

    @Column(name = "next_poll_at")
    public Instant nextPollAt;

    @Column(name = "lease_expires_at")
    public Instant leaseExpiresAt;

    /** For a create: the Droplet (name, status, networks) as read once its create completed. */
    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode droplet;
}
