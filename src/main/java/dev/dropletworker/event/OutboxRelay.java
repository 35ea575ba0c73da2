package dev.dropletworker.event;

import dev.dropletworker.job.JobFinished;
import dev.dropletworker.lifecycle.JobTrace;
import dev.dropletworker.lifecycle.RoleLoop;
import dev.dropletworker.lifecycle.ShutdownDeadline;
import io.opentelemetry.api.trace.SpanKind;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * Publishes pending outbox rows to {@code droplet-events} and marks them sent. Rows are locked
 * with SKIP LOCKED, so pods relay different rows. Delivery is at least once: a pod that dies after
 * Kafka acknowledged but before its commit leaves the row to be sent again, with the same event id.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final byte[] CONTENT_TYPE =
            "application/cloudevents+json; charset=UTF-8".getBytes(StandardCharsets.UTF_8);

    private final EntityManager em;
    private final MutinyEmitter<String> events;
    private final RelayConfig config;
    private final JobTrace trace;
    private final ShutdownDeadline deadline;
    private RoleLoop loop;

    public OutboxRelay(EntityManager em, @Channel("droplet-events") MutinyEmitter<String> events, RelayConfig config,
            JobTrace trace, ShutdownDeadline deadline) {
        this.em = em;
        this.events = events;
        this.config = config;
        this.trace = trace;
        this.deadline = deadline;
    }

    void start(@Observes StartupEvent event) {
        loop = new RoleLoop("relay", config.interval(), this::relayBatch).start();
    }

    /**
     * Shutdown, last of the roles: publishes what is pending (the events of the jobs this pod just
     * finished among them) before the Kafka producer closes. What is left is sent by another pod.
     */
    void stop(@Observes @Priority(ShutdownDeadline.FLUSH_EVENTS) ShutdownEvent event) {
        if (loop == null) {
            return;
        }
        boolean flushed = loop.finish(deadline.remaining());
        LOG.infof("shutdown: relay stopped; %s", flushed ? "no event was left to publish"
                : "events still pending are published by the other pods");
    }

    /** An event was just committed: publish it now rather than at the next interval. */
    void wake(@Observes(during = TransactionPhase.AFTER_SUCCESS) JobFinished finished) {
        if (loop != null) {
            loop.wake();
        }
    }

    /** Events written but not yet published, on every pod's account. */
    @Transactional
    public long unpublished() {
        return ((Number) em.createNativeQuery("select count(*) from outbox_event where sent_at is null")
                .getSingleResult()).longValue();
    }

    /** @return how many events were published */
    @Transactional
    int relayBatch() {
        List<OutboxEvent> pending = em.createQuery(
                        "from OutboxEvent where sentAt is null order by createdAt", OutboxEvent.class)
                .setLockMode(LockModeType.PESSIMISTIC_WRITE)
                .setHint("jakarta.persistence.lock.timeout", -2) // SKIP LOCKED
                .setMaxResults(config.batchSize())
                .getResultList();
        if (pending.isEmpty()) {
            return 0;
        }
        // Send the whole batch, then wait for every acknowledgement; only acknowledged rows are
        // marked sent, so one event Kafka refuses (too large, say) cannot hold back the others.
        List<Uni<Boolean>> sends = new ArrayList<>();
        for (OutboxEvent event : pending) {
            RecordHeaders headers = new RecordHeaders();
            headers.add("content-type", CONTENT_TYPE);
            // The job's trace goes on with the event: its consumers continue the producer's trace.
            try (JobTrace.Step step = trace.step(event.traceParent, "publish " + event.eventType, SpanKind.PRODUCER)) {
                String traceParent = trace.current();
                if (traceParent != null) {
                    headers.add(JobTrace.HEADER, traceParent.getBytes(StandardCharsets.UTF_8));
                }
            }
            OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                    .withKey(event.eventKey).withHeaders(headers).build();
            sends.add(events.sendMessage(Message.of(event.payload, Metadata.of(metadata)))
                    .onItem().transform(ignored -> true)
                    .onFailure().invoke(e -> LOG.warnf("event %s not published (%s); will retry", event.id,
                            e.getClass().getName()))
                    .onFailure().recoverWithItem(false));
        }
        List<Boolean> acknowledged = Uni.join().all(sends).andFailFast().await().atMost(config.sendTimeout());
        Instant sent = Instant.now();
        int published = 0;
        for (int i = 0; i < pending.size(); i++) {
            if (acknowledged.get(i)) {
                pending.get(i).markSent(sent);
                published++;
            }
        }
        LOG.debugf("%d of %d events published", published, pending.size());
        if (published < pending.size()) {
            return 0; // idle before trying the refused ones again
        }
        return pending.size();
    }
}
