package dev.dropletworker.health;

import dev.dropletworker.job.JobFinished;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

/** Counts finished jobs by outcome, once each job's end is committed. */
@ApplicationScoped
class JobMetrics {

    private final MeterRegistry metrics;

    JobMetrics(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    void finished(@Observes(during = TransactionPhase.AFTER_SUCCESS) JobFinished finished) {
        metrics.counter("dropletworker.jobs.finished", "outcome", finished.job().outcome()).increment();
    }
}
