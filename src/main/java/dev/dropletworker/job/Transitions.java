package dev.dropletworker.job;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Every state change of a job: the row's state and its time, a job_transition row, one INFO line
 * with the job, command and Droplet, and for a terminal state the {@link JobFinished} event inside
 * the same transaction. The job tables' other writers in this package go through here.
 *
 * <p>Waits repeat (a Droplet busy for an hour is claimed and handed back every few seconds): a claim
 * that ends in the same wait as the one before is counted on the job, not recorded, and the run of
 * waits is written as one claim when it ends.
 */
@ApplicationScoped
class Transitions {

    private static final Logger LOG = Logger.getLogger(Transitions.class);

    private final EntityManager em;
    private final JobActionRepository actions;
    private final Event<JobFinished> finished;
    private final DatabaseClock clock;

    Transitions(EntityManager em, JobActionRepository actions, Event<JobFinished> finished, DatabaseClock clock) {
        this.em = em;
        this.actions = actions;
        this.finished = finished;
        this.clock = clock;
    }

    /** The database's clock: every pod stamps rows with the same time source. */
    Instant now() {
        return clock.now();
    }

    /** Moves a locked job to {@code target}, stamping the state's time and recording the transition. */
    @Transactional(Transactional.TxType.MANDATORY)
    void move(Job job, JobState target, String detail) {
        if (target.isTerminal()) {
            endAll(List.of(new End(job, target, detail, null)));
        } else {
            step(job, target, detail);
        }
    }

    /**
     * How a locked job ends. A caller that has just read its actions (they are final once every one
     * has finished) passes them, and its event reports those with no second read.
     *
     * @param started the job's actions for its event, or null to read them
     */
    record End(Job job, JobState terminal, String detail, List<ActionView> started) {
        End {
            if (!terminal.isTerminal()) {
                throw new IllegalArgumentException(terminal + " does not end a job");
            }
        }
    }

    /** Ends a locked job, as {@link #endAll} ends several. */
    @Transactional(Transactional.TxType.MANDATORY)
    void end(Job job, JobState terminal, String detail, List<ActionView> started) {
        endAll(List.of(new End(job, terminal, detail, started)));
    }

    /**
     * Ends locked jobs: each one's state and transition, one statement that lets go of the
     * Droplets of every one not holding them, then each one's event, in the order given.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    void endAll(List<End> ends) {
        List<UUID> letGo = new ArrayList<>();
        for (End end : ends) {
            step(end.job(), end.terminal(), end.detail());
            if (!end.job().holding()) {
                letGo.add(end.job().id);
            }
        }
        letGoOfTargets(letGo);
        ends.forEach(end -> announceFinished(end.job(), end.started()));
    }

    private void step(Job job, JobState target, String detail) {
        JobState from = job.state;
        if (!from.canMoveTo(target)) {
            throw new IllegalStateException("job " + job.id + ": " + from + " -> " + target + " is not allowed");
        }
        Instant now = now();
        String endedWait = job.endWait();
        if (endedWait != null && from == JobState.SUBMITTING) {
            // The claim that ends a run of waits stands for all of them in the history.
            em.persist(JobTransition.of(job.id, JobState.RECEIVED, JobState.SUBMITTING, now, endedWait));
            log(job, JobState.RECEIVED, JobState.SUBMITTING, endedWait);
        }
        job.moveTo(target, now);
        record(job, from, target, detail);
    }

    /**
     * An operator's retry of a locked FAILED or ERRORED job: its next generation starts from
     * RECEIVED. Nothing is announced: the generation's end will be, with its own event.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    void restart(Job job, String detail) {
        JobState from = job.state;
        if (!from.isRetryable()) {
            throw new IllegalStateException("job " + job.id + ": " + from + " is not retried");
        }
        // A job holding its Droplets is refused before here, so none of them are held any more.
        letGoOfTargets(job);
        job.startNextGeneration(now());
        if (job.targetsKnown && job.dropletId != null) {
            em.createNativeQuery("insert into job_target (job_id, droplet_id, job_seq) values (:id, :droplet, :seq)")
                    .setParameter("id", job.id).setParameter("droplet", job.dropletId).setParameter("seq", job.seq)
                    .executeUpdate();
        }
        record(job, from, JobState.RECEIVED, detail);
    }

    /**
     * A claim ended in a wait: back to RECEIVED. The first of a run of identical waits is recorded;
     * the ones after it are only counted (and logged at DEBUG).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    void wait(Job job, String reason, String owner) {
        if (job.repeatsWait(reason)) {
            job.waitedAgain();
            job.moveTo(JobState.RECEIVED, now());
            LOG.debugf("job %s waits again (%d): %s", job.id, job.waits, reason);
            return;
        }
        move(job, JobState.RECEIVED, reason);
        job.startWaiting(reason, owner);
    }

    /** The job's Droplets are free for the jobs behind it. */
    void letGoOfTargets(Job job) {
        letGoOfTargets(List.of(job.id));
    }

    private void letGoOfTargets(Collection<UUID> jobIds) {
        if (!jobIds.isEmpty()) {
            em.createNativeQuery("delete from job_target where job_id = any(:ids)")
                    .setParameter("ids", SqlArrays.uuids(jobIds)).executeUpdate();
        }
    }

    /**
     * A job born in a state (RECEIVED, or REJECTED with its event), by SQL that wrote its first
     * transition row too: logged, and announced if it was born finished.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    void born(Job job, String detail) {
        log(job, null, job.state, detail);
        if (job.state.isTerminal()) {
            announceFinished(job, null);
        }
    }

    /** Logs a transition made in SQL (claims, expired leases), whose rows that SQL wrote itself. */
    void logged(Job job, JobState from, String detail) {
        log(job, from, job.state, detail);
    }

    private void record(Job job, JobState from, JobState to, String detail) {
        em.persist(JobTransition.of(job.id, from, to, job.updatedAt, detail));
        log(job, from, to, detail);
    }

    private static void log(Job job, JobState from, JobState to, String detail) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        try (JobLogContext fields = JobLogContext.of(job)) {
            LOG.info(line(job, from, to, detail));
        }
    }

    /**
     * A transition's INFO line. Joined, not formatted: on Java 17 every {@code %d} of
     * {@code String.format} builds a new {@code DecimalFormatSymbols}, and formatting this line and
     * the tracker's were 1.9% of the worker's CPU samples in a profile of the overhead scenario.
     */
    static String line(Job job, JobState from, JobState to, String detail) {
        return "job " + job.id + " " + (from == null ? "new" : from) + " -> " + to + " command_id=" + job.commandId
                + " droplet_id=" + job.dropletId + " attempts=" + job.attempts
                + (detail == null ? "" : " (" + detail + ")");
    }

    private void announceFinished(Job job, List<ActionView> started) {
        List<ActionView> reported = started != null ? started
                : actions.ofJob(job.id).stream().map(JobAction::view).toList();
        finished.fire(new JobFinished(job.view(), reported));
    }
}
