package dev.dropletworker.event;

import dev.dropletworker.job.Job;
import dev.dropletworker.job.JobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/** Writes a finished job's event in the same transaction as its terminal state. */
@ApplicationScoped
public class EventOutbox {

    private final EntityManager em;
    private final JobStore jobs;
    private final CloudEvents cloudEvents;

    public EventOutbox(EntityManager em, JobStore jobs, CloudEvents cloudEvents) {
        this.em = em;
        this.jobs = jobs;
        this.cloudEvents = cloudEvents;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void append(Job job) {
        em.flush();
        OutboxEvent event = new OutboxEvent();
        event.id = job.id;
        event.jobId = job.id;
        event.eventKey = CloudEvents.keyOf(job);
        event.eventType = CloudEvents.TYPE_PREFIX + job.outcome;
        event.payload = cloudEvents.of(job, jobs.actionsOf(job.id)).toString();
        event.createdAt = job.finishedAt;
        em.persist(event);
    }
}
