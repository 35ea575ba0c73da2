package dev.dropletworker.job;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.util.UUID;

/**
 * Records what operators decide about a job: retry one that failed or errored, cancel one that has
 * sent nothing yet. Each decision locks the job's row, so it cannot cross a dispatcher's claim or a
 * tracker's end of the same job.
 */
@ApplicationScoped
public class OperatorLedger {

    private final EntityManager em;
    private final Transitions moves;
    private final Event<JobRecorded> recorded;

    OperatorLedger(EntityManager em, Transitions moves, Event<JobRecorded> recorded) {
        this.em = em;
        this.moves = moves;
        this.recorded = recorded;
    }

    /**
     * Starts the next attempt generation of a FAILED or ERRORED job. It takes a new place at the back
     * of its ordering key's queue (a new {@code seq}), so it runs after every command for the same
     * Droplet that arrived since, never beside them.
     *
     * @param by who asked (an API key's name or a token's subject), for the job's history
     */
    @Transactional
    public Intervention retry(UUID jobId, String by) {
        Job job = em.find(Job.class, jobId, LockModeType.PESSIMISTIC_WRITE);
        if (job == null) {
            return new Intervention.NoSuchJob();
        }
        if (!job.state.isRetryable()) {
            return new Intervention.Refused(job.view(), "only a failed or errored job can be retried; this one is "
                    + job.state.name().toLowerCase() + (job.state.isTerminal() ? "" : " and not finished"));
        }
        if (job.holdsUntil != null && job.holdsUntil.isAfter(moves.now())) {
            // Its action outran the tracking timeout and may still run: a retry would act beside it.
            return new Intervention.Refused(job.view(), "its last action may still be running at DigitalOcean; the "
                    + "job holds its Droplets until " + job.holdsUntil + " or until the action is seen to end. "
                    + "Retry after that");
        }
        moves.restart(job, "retry by " + by + ": generation " + (job.generation + 1));
        em.flush();
        // seq is the queue position (claimDue runs a key's jobs in seq order): the back of the queue,
        // for its Droplets too.
        em.createNativeQuery("""
                with moved as (
                    update job set seq = nextval(pg_get_serial_sequence('job', 'seq')) where id = :id returning id, seq)
                update job_target t set job_seq = moved.seq from moved where t.job_id = moved.id""")
                .setParameter("id", jobId)
                .executeUpdate();
        JobView view = job.view();
        recorded.fire(new JobRecorded(view));
        return new Intervention.Done(view);
    }

    /**
     * Cancels a job no request of which has gone out: it ends CANCELLED, with its event. Any sent
     * request (stamped in {@code sent_at} just before every POST, under this same row lock) may have
     * taken effect, even one whose answer was lost, so such a job is refused.
     */
    @Transactional
    public Intervention cancel(UUID jobId, String by) {
        Job job = em.find(Job.class, jobId, LockModeType.PESSIMISTIC_WRITE);
        if (job == null) {
            return new Intervention.NoSuchJob();
        }
        if (job.state.isTerminal()) {
            return new Intervention.Refused(job.view(), "the job already ended " + job.state.outcome());
        }
        if (job.sentAt != null) {
            return new Intervention.Refused(job.view(), "a request of this job was sent to DigitalOcean at "
                    + job.sentAt + " and may have taken effect" + (job.unconfirmedSince != null
                            ? " (its answer was lost)" : ""));
        }
        // A claim in SUBMITTING that has not sent yet loses the race: its markSending finds the job
        // no longer SUBMITTING and sends nothing.
        moves.move(job, JobState.CANCELLED, "cancelled by " + by);
        return new Intervention.Done(job.view());
    }
}
