package dev.dropletworker.event;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.job.JobFinished;
import dev.dropletworker.job.JobView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * Writes a finished job's event in the transaction that finishes it: the terminal state and the
 * event row commit together, so an event is never lost and never published for a job that did
 * not finish.
 */
@ApplicationScoped
class EventOutbox {

    private final EntityManager em;
    private final CloudEvents cloudEvents;
    private final RelayConfig config;

    EventOutbox(EntityManager em, CloudEvents cloudEvents, RelayConfig config) {
        this.em = em;
        this.cloudEvents = cloudEvents;
        this.config = config;
    }

    /** The event as built, or cut down to {@code worker.relay.max-event-bytes}: every job gets one. */
    @Transactional(Transactional.TxType.MANDATORY)
    void append(@Observes JobFinished finished) {
        JobView job = finished.job();
        ObjectNode event = cloudEvents.of(job, finished.actions());
        boolean cut = CloudEvents.size(event) > config.maxEventBytes();
        if (cut) {
            event = cloudEvents.cut(event, config.maxEventBytes(), "the event was larger than the "
                    + config.maxEventBytes() + " bytes an event may have (worker.relay.max-event-bytes)");
        }
        em.persist(OutboxEvent.of(job, event.toString(), cut));
    }
}
