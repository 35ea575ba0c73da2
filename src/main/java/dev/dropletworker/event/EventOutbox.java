package dev.dropletworker.event;

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

    EventOutbox(EntityManager em, CloudEvents cloudEvents) {
        this.em = em;
        this.cloudEvents = cloudEvents;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    void append(@Observes JobFinished finished) {
        JobView job = finished.job();
        em.persist(OutboxEvent.of(job, cloudEvents.of(job, finished.actions()).toString()));
    }
}
