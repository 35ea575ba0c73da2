package dev.dropletworker.event;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.job.Job;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.lifecycle.AfterCommit;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.UUID;

/**
 * Ends a job: its terminal state and its event row are committed together, so an event is never
 * lost and never published for a job that did not finish.
 */
@ApplicationScoped
public class JobCompletion {

    private final JobStore jobs;
    private final EventOutbox outbox;
    private final MeterRegistry metrics;
    private final OutboxRelay relay;
    private final AfterCommit afterCommit;

    public JobCompletion(JobStore jobs, EventOutbox outbox, MeterRegistry metrics, OutboxRelay relay,
            AfterCommit afterCommit) {
        this.jobs = jobs;
        this.outbox = outbox;
        this.metrics = metrics;
        this.relay = relay;
        this.afterCommit = afterCommit;
    }

    /**
     * Finishes a job already locked in the caller's transaction.
     *
     * @param failure for FAILED, why; null otherwise
     * @param result extra data for the event (the Droplets of a create), or null
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void finish(Job job, JobState terminal, Failure failure, JsonNode result, String detail) {
        if (failure != null) {
            job.errorReason = failure.reason();
            job.errorHttpStatus = failure.httpStatus();
            job.errorId = failure.id();
            job.errorMessage = failure.message();
            job.errorRequestId = failure.requestId();
        }
        if (result != null) {
            job.result = result;
        }
        jobs.transition(job, terminal, detail);
        appendEvent(job);
    }

    /** Locks and finishes a job unless another pod or an earlier call already did. */
    @Transactional
    public boolean finish(UUID jobId, JobState terminal, Failure failure, JsonNode result, String detail) {
        Job job = jobs.lock(jobId);
        if (job == null || job.state.isTerminal()) {
            return false;
        }
        finish(job, terminal, failure, result, detail);
        return true;
    }

    /** A rejected command's job is born terminal; its event goes out with it. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void rejected(Job job) {
        appendEvent(job);
    }

    private void appendEvent(Job job) {
        outbox.append(job);
        metrics.counter("dropletworker.jobs.finished", "outcome", job.outcome).increment();
        // Publish as soon as the event row is committed, not at the relay's next interval.
        afterCommit.run(relay::wake);
    }
}
