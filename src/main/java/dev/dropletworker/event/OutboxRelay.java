package dev.dropletworker.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.job.JobFinished;
import dev.dropletworker.lifecycle.JobTrace;
import dev.dropletworker.lifecycle.RoleLoop;
import dev.dropletworker.lifecycle.ShutdownDeadline;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.SpanKind;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * Publishes pending outbox rows to {@code droplet-events} and marks them sent. Rows are locked
 * with SKIP LOCKED, so pods relay different rows. Delivery is at least once: a pod that dies after
 * Kafka acknowledged but before its commit leaves the row to be sent again, with the same event id.
 *
 * <p>What Kafka refuses is sorted: a send that may yet succeed (broker away, timeouts) is left to
 * the producer's own retries and never sent a second time by this pod while it is in flight; an
 * event too large for the topic is cut down and sent again; one refused for another permanent
 * reason is parked, so that it neither blocks the others nor is retried forever.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final byte[] CONTENT_TYPE =
            "application/cloudevents+json; charset=UTF-8".getBytes(StandardCharsets.UTF_8);
    /** Failures to publish are logged at most this often (each one at DEBUG). */
    private static final long FAILURE_LOG_INTERVAL_MILLIS = 60_000;

    private final EntityManager em;
    private final MutinyEmitter<String> events;
    private final RelayConfig config;
    private final CloudEvents cloudEvents;
    private final ObjectMapper mapper;
    private final MeterRegistry metrics;
    private final JobTrace trace;
    private final ShutdownDeadline deadline;
    /** Events this pod sent whose acknowledgement has not come yet: not to be sent again meanwhile. */
    private final Set<UUID> inFlight = ConcurrentHashMap.newKeySet();
    /** Events acknowledged after their round stopped waiting, to be marked sent by the next round. */
    private final Queue<UUID> lateAcknowledged = new ConcurrentLinkedQueue<>();
    private volatile long lastFailureLog;
    private RoleLoop loop;

    public OutboxRelay(EntityManager em, @Channel("droplet-events") MutinyEmitter<String> events, RelayConfig config,
            CloudEvents cloudEvents, ObjectMapper mapper, MeterRegistry metrics, JobTrace trace,
            ShutdownDeadline deadline) {
        this.em = em;
        this.events = events;
        this.config = config;
        this.cloudEvents = cloudEvents;
        this.mapper = mapper;
        this.metrics = metrics;
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

    /** Stops publishing from this pod; returns once the round in progress has ended. */
    public void pause() {
        loop.pause();
    }

    public void resume() {
        loop.resume();
    }

    /** Events written but not yet published (parked ones included), on every pod's account. */
    @Transactional
    public long unpublished() {
        return ((Number) em.createNativeQuery("select count(*) from outbox_event where sent_at is null")
                .getSingleResult()).longValue();
    }

    /** What Kafka said to one send. */
    private enum Verdict {
        SENT, TOO_LARGE, REFUSED, NOT_YET
    }

    /** One send of one row: its round handles the answer, or, if it outlasts the round's wait, a callback. */
    private record Send(OutboxEvent event, CompletableFuture<Throwable> done) {
    }

    /** @return how many events were published */
    @Transactional
    int relayBatch() {
        int published = markLateAcknowledged();
        // Only the oldest unpublished event of each key: events of one key (one Droplet's, one
        // command's) go out in the order their jobs finished, whichever pod relays them. A pod holds
        // the row it sends locked (another skips it) and the next one of its key waits until it is
        // marked sent; one in flight past its round is not sent again by this pod meanwhile.
        @SuppressWarnings("unchecked")
        List<OutboxEvent> pending = em.createNativeQuery("""
                        select e.* from outbox_event e
                        where e.sent_at is null and e.parked_at is null and e.id <> all(:inFlight)
                          and not exists (
                                select 1 from outbox_event earlier
                                where earlier.event_key = e.event_key and earlier.sent_at is null
                                  and earlier.parked_at is null
                                  and (earlier.created_at, earlier.id) < (e.created_at, e.id))
                        order by e.created_at
                        limit :limit
                        for update of e skip locked""", OutboxEvent.class)
                // One array: one SQL text however many are in flight (see job's SqlArrays).
                .setParameter("inFlight", inFlight.toArray(UUID[]::new))
                .setParameter("limit", config.batchSize())
                .getResultList();
        if (pending.isEmpty()) {
            return published;
        }
        // Send the whole batch, then wait for the acknowledgements: one event Kafka refuses cannot
        // hold back the others.
        List<Send> sends = new ArrayList<>();
        for (OutboxEvent event : pending) {
            sends.add(send(event));
        }
        try {
            CompletableFuture.allOf(sends.stream().map(s -> s.done).toArray(CompletableFuture[]::new))
                    .get(config.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            failed(pending.size() + " events not acknowledged within " + config.sendTimeout(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // each send completes normally, with its failure as its value
        }
        Instant now = Instant.now();
        int refused = 0;
        for (Send send : sends) {
            if (!send.done().isDone()) {
                lateAnswer(send);
                continue;
            }
            OutboxEvent event = send.event();
            inFlight.remove(event.id);
            Throwable failure = send.done().getNow(null);
            switch (verdict(failure)) {
                case SENT -> {
                    event.markSent(now);
                    published++;
                }
                case TOO_LARGE -> {
                    refused++;
                    tooLarge(event, now, failure);
                }
                case REFUSED -> {
                    refused++;
                    park(event, now, failure);
                }
                case NOT_YET -> {
                    refused++;
                    failed("event " + event.id + " not published", failure);
                }
            }
        }
        LOG.debugf("%d of %d events published", published, pending.size());
        // Idle before trying refused ones again; go on at once while everything goes through.
        return refused > 0 ? 0 : published;
    }

    private Send send(OutboxEvent event) {
        Send send = new Send(event, new CompletableFuture<>());
        inFlight.add(event.id);
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", CONTENT_TYPE);
        // The job's trace goes on with the event: its consumers continue the producer's trace.
        try (JobTrace.Step step = trace.step(event.traceParent, "publish " + event.eventType, SpanKind.PRODUCER)) {
            String traceParent = trace.current();
            if (traceParent != null) {
                headers.add(JobTrace.HEADER, traceParent.getBytes(StandardCharsets.UTF_8));
            }
        }
        // The record's time is the job's end (the event's own time), not when it was relayed.
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(event.eventKey).withHeaders(headers).withTimestamp(event.createdAt).build();
        try {
            events.sendMessage(Message.of(event.payload, Metadata.of(metadata))).subscribe().with(
                    ignored -> send.done().complete(null), send.done()::complete);
        } catch (RuntimeException e) {
            send.done().complete(e); // the emitter's buffer is full, say: not sent at all
        }
        return send;
    }

    /**
     * The round stopped waiting before Kafka answered: the producer goes on trying, and this pod
     * leaves the row alone until it has. An acknowledgement is marked sent by the next round; a
     * failure makes the row eligible again.
     */
    private void lateAnswer(Send send) {
        UUID id = send.event().id;
        send.done().thenAccept(failure -> {
            if (failure == null) {
                lateAcknowledged.add(id);
                if (loop != null) {
                    loop.wake();
                }
            } else {
                inFlight.remove(id);
                failed("event " + id + " not published", failure);
            }
        });
    }

    private int markLateAcknowledged() {
        List<UUID> acknowledged = new ArrayList<>();
        for (UUID id = lateAcknowledged.poll(); id != null; id = lateAcknowledged.poll()) {
            acknowledged.add(id);
        }
        if (acknowledged.isEmpty()) {
            return 0;
        }
        int marked = em.createQuery("update OutboxEvent set sentAt = :now where id in :ids and sentAt is null")
                .setParameter("now", Instant.now())
                .setParameter("ids", acknowledged)
                .executeUpdate();
        acknowledged.forEach(inFlight::remove);
        return marked;
    }

    private static Verdict verdict(Throwable failure) {
        if (failure == null) {
            return Verdict.SENT;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException) {
                return Verdict.TOO_LARGE;
            }
            if (cause instanceof RetriableException) {
                return Verdict.NOT_YET;
            }
            if (cause instanceof org.apache.kafka.common.errors.ApiException) {
                return Verdict.REFUSED; // the broker's permanent answer: invalid record, timestamp, topic...
            }
        }
        return Verdict.NOT_YET;
    }

    /** The Kafka error behind a failure, as it names itself (Kafka's messages quote no request data). */
    private static String kafkaCause(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof org.apache.kafka.common.KafkaException) {
                String message = cause.getMessage() == null ? "" : ": " + cause.getMessage();
                return cause.getClass().getName() + (message.length() > 300 ? message.substring(0, 300) + "…" : message);
            }
        }
        return failure.getClass().getName();
    }

    /** The topic takes less than this event: cut it down and send it again; if even that is too much, park it. */
    private void tooLarge(OutboxEvent event, Instant now, Throwable failure) {
        ObjectNode parsed;
        try {
            parsed = (ObjectNode) mapper.readTree(event.payload);
        } catch (JsonProcessingException | ClassCastException e) {
            park(event, now, failure);
            return;
        }
        boolean bareAlready = parsed.path("data").has("truncated") && !parsed.path("data").has("actions");
        if (bareAlready) {
            park(event, now, failure);
            return;
        }
        ObjectNode bare = cloudEvents.bare(parsed, "the events topic refused the event as too large ("
                + CloudEvents.size(parsed) + " bytes)");
        event.cutTo(bare.toString());
        metrics.counter("dropletworker.events.cut").increment();
        LOG.warnf("event %s was too large for the events topic (%d bytes); cut down to %d bytes", event.id,
                CloudEvents.size(parsed), CloudEvents.size(bare));
    }

    private void park(OutboxEvent event, Instant now, Throwable failure) {
        String reason = kafkaCause(failure);
        event.park(now, reason);
        LOG.errorf("event %s (job %s) parked: Kafka refused it for good (%s); operators can publish it again",
                event.id, event.jobId, reason);
    }

    /** Failures that may pass are logged at most once a minute (the rest at DEBUG): an outage is not a log flood. */
    private void failed(String what, Throwable failure) {
        String cause = failure == null ? "" : " (" + failure.getClass().getName() + ")";
        long now = System.currentTimeMillis();
        if (now - lastFailureLog >= FAILURE_LOG_INTERVAL_MILLIS) {
            lastFailureLog = now;
            LOG.warnf("%s%s; will retry (further failures within a minute are logged at DEBUG)", what, cause);
        } else {
            LOG.debugf("%s%s; will retry", what, cause);
        }
    }
}
