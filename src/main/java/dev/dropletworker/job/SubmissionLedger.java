package dev.dropletworker.job;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Records what a claim came to, each in one transaction, and only while the claiming pod still
 * holds the job's lease (a pod that stalled past it must not overwrite the new owner's work).
 * Times are the database's, like every other time in the job table. An attempt is counted with
 * the answer that makes it one: a wait for a busy Droplet, the rate budget or a 429 is not one.
 * (The claim that starts tracking is recorded by {@link TrackingLedger#follow}.)
 */
@ApplicationScoped
public class SubmissionLedger {

    private static final Logger LOG = Logger.getLogger(SubmissionLedger.class);

    private final EntityManager em;
    private final Transitions moves;

    SubmissionLedger(EntityManager em, Transitions moves) {
        this.em = em;
        this.moves = moves;
    }

    /**
     * Not now, and nothing said about the request: back to RECEIVED, due again after {@code delay}.
     * A wait that repeats the one before (the Droplet still busy) is counted, not recorded again.
     *
     * @param lastError the API's answer that made it wait (a 422 pending event, a 429), or null
     */
    @Transactional
    public void waiting(JobClaim claim, Duration delay, String reason, Failure lastError) {
        lockLeased(claim).ifPresent(job -> {
            if (lastError != null) {
                job.recordLastError(lastError);
            }
            job.dueAt(moves.now().plus(delay));
            moves.wait(job, reason, claim.owner());
        });
    }

    /**
     * The answer was lost or was a server error, so the request may have taken effect: the next
     * claim looks for what this one did before it sends anything.
     *
     * @param attempt whether this claim was an attempt (else a look after the last one)
     */
    @Transactional
    public void unconfirmed(JobClaim claim, Duration delay, String reason, Failure lastError, boolean attempt) {
        lockLeased(claim).ifPresent(job -> {
            Instant now = moves.now();
            count(job, attempt);
            job.markUnconfirmed(now);
            job.recordLastError(lastError);
            job.dueAt(now.plus(delay));
            moves.move(job, JobState.RECEIVED, reason);
        });
    }

    /**
     * The worker cannot get this job done: FAILED with its failure, and its event.
     *
     * @param attempt whether this claim was an attempt (else a look after the last one)
     */
    @Transactional
    public void failed(JobClaim claim, Failure failure, String reason, boolean attempt) {
        lockLeased(claim).ifPresent(job -> {
            count(job, attempt);
            job.recordFailure(failure);
            moves.move(job, JobState.FAILED, reason);
        });
    }

    static void count(Job job, boolean attempt) {
        if (attempt) {
            job.countAttempt();
        } else {
            job.countLook();
        }
    }

    /** Locks the job if this pod still holds its submission lease; empty if the lease was lost. */
    private Optional<Job> lockLeased(JobClaim claim) {
        Job job = em.find(Job.class, claim.jobId(), LockModeType.PESSIMISTIC_WRITE);
        if (!holds(claim, job)) {
            leaseLost(claim.jobId());
            return Optional.empty();
        }
        return Optional.of(job);
    }

    private static boolean holds(JobClaim claim, Job job) {
        return job != null && job.state == JobState.SUBMITTING && claim.owner().equals(job.leaseOwner);
    }

    private static void leaseLost(UUID jobId) {
        LOG.warnf("job %s: submission lease lost, result discarded", jobId);
    }

    /**
     * For {@link TrackingLedger}: the lease check of each claim, their jobs locked by one
     * query in the order of their ids (so two such locks never wait on each other in a circle).
     *
     * @return the jobs whose lease is still their claim's, by id
     */
    Map<UUID, Job> leasedAll(List<JobClaim> claims) {
        Map<UUID, JobClaim> byJob = new HashMap<>();
        claims.forEach(c -> byJob.put(c.jobId(), c));
        Map<UUID, Job> leased = new HashMap<>();
        for (Job job : lockInIdOrder(byJob.keySet())) {
            if (holds(byJob.get(job.id), job)) {
                leased.put(job.id, job);
            }
        }
        byJob.keySet().stream().filter(id -> !leased.containsKey(id)).forEach(SubmissionLedger::leaseLost);
        return leased;
    }

    /**
     * Locks these jobs with one query, in the order of their ids, so that two pods locking
     * overlapping sets never wait on each other in a circle.
     */
    List<Job> lockInIdOrder(Collection<UUID> jobIds) {
        return SqlArrays.selected(em, "select id from job where id = any(:ids) order by id for update", Job.class,
                SqlArrays.uuids(jobIds));
    }
}
