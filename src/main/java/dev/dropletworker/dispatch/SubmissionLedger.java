package dev.dropletworker.dispatch;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropletworker.digitalocean.Action;
import dev.dropletworker.event.Failure;
import dev.dropletworker.event.JobCompletion;
import dev.dropletworker.job.Job;
import dev.dropletworker.job.JobAction;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.tracking.TrackingConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Records what a submission attempt came to, each in one transaction, and only while this pod
 * still holds the job's lease (a pod that stalled past it must not overwrite the new owner's work).
 * Times are the database's, like every other time in the job table.
 */
@ApplicationScoped
class SubmissionLedger {

    /** What is known about the request a later() follows. */
    enum Sent {
        /** Nothing reached DigitalOcean, or it answered and did nothing (4xx). */
        NOT_APPLIED,
        /** The answer was lost: the request may have taken effect. */
        UNCONFIRMED
    }

    private final JobStore jobs;
    private final JobCompletion completion;
    private final EntityManager em;
    private final TrackingConfig tracking;
    private final ObjectMapper mapper;

    SubmissionLedger(JobStore jobs, JobCompletion completion, EntityManager em, TrackingConfig tracking,
            ObjectMapper mapper) {
        this.jobs = jobs;
        this.completion = completion;
        this.em = em;
        this.tracking = tracking;
        this.mapper = mapper;
    }

    /** DigitalOcean accepted the request: follow its actions. */
    @Transactional
    void submitted(UUID jobId, String owner, Submitted submitted) {
        jobs.lockLeased(jobId, owner).ifPresent(job -> {
            Instant firstPoll = jobs.now().plus(tracking.firstPoll());
            for (Action action : submitted.actions()) {
                JobAction row = new JobAction();
                row.jobId = job.id;
                row.actionId = action.id();
                row.dropletId = action.resourceId();
                row.type = action.type();
                row.status = action.isFinished() ? action.finalStatus() : Action.IN_PROGRESS;
                row.startedAt = action.startedAt();
                row.completedAt = action.completedAt();
                row.resourceType = action.resourceType();
                row.regionSlug = action.regionSlug();
                row.nextPollAt = firstPoll;
                em.persist(row);
            }
            if (submitted.droplets() != null) {
                job.result = mapper.createObjectNode().set("droplets", submitted.droplets());
            }
            jobs.transition(job, JobState.IN_PROGRESS, submitted.detail());
        });
    }

    /**
     * Not now: back to RECEIVED, due again after {@code delay}.
     *
     * @param countsAsAttempt false for waits that say nothing about the request (budget, pending event, 429)
     */
    @Transactional
    void later(UUID jobId, String owner, Duration delay, boolean countsAsAttempt, Sent sent, String detail,
            Failure lastError) {
        jobs.lockLeased(jobId, owner).ifPresent(job -> {
            Instant now = jobs.now();
            if (!countsAsAttempt) {
                job.attempts = Math.max(0, job.attempts - 1);
            }
            if (sent == Sent.UNCONFIRMED) {
                job.unconfirmedSince = now;
            }
            if (lastError != null) {
                recordLastError(job, lastError);
            }
            job.nextRunAt = now.plus(delay);
            jobs.transition(job, JobState.RECEIVED, detail);
        });
    }

    /** The worker cannot get this job done. */
    @Transactional
    void failed(UUID jobId, String owner, Failure failure, String detail) {
        jobs.lockLeased(jobId, owner).ifPresent(job -> completion.finish(job, JobState.FAILED, failure, null, detail));
    }

    private static void recordLastError(Job job, Failure error) {
        job.errorHttpStatus = error.httpStatus();
        job.errorId = error.id();
        job.errorMessage = error.message();
        job.errorRequestId = error.requestId();
    }
}
