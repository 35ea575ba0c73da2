package dev.dropletworker.health;

import dev.dropletworker.job.JobFinished;
import dev.dropletworker.job.JobView;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import java.time.Duration;

/**
 * Counts finished jobs by outcome, and how long each took from intake to its end by command type
 * and outcome, once each job's end is committed.
 */
@ApplicationScoped
class JobMetrics {

    /** From a rejected command's instant answer to an hours-long snapshot. */
    private static final Duration[] DURATION_BUCKETS = {Duration.ofMillis(100), Duration.ofSeconds(1),
        Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofMinutes(1),
        Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofMinutes(30),
        Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(6)};

    private final MeterRegistry metrics;

    JobMetrics(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    void finished(@Observes(during = TransactionPhase.AFTER_SUCCESS) JobFinished finished) {
        JobView job = finished.job();
        metrics.counter("dropletworker.jobs.finished", "outcome", job.outcome()).increment();
        if (job.receivedAt() != null && job.finishedAt() != null) {
            // A rejected command may name any type: only known ones become tags, so the series stay few.
            String type = job.type() == null ? "invalid" : job.type().wireName();
            Timer.builder("dropletworker.jobs.duration").tags("type", type, "outcome", job.outcome())
                    .description("Time from intake to the job's end, by command type and outcome")
                    .serviceLevelObjectives(DURATION_BUCKETS)
                    .register(metrics).record(Duration.between(job.receivedAt(), job.finishedAt()));
        }
    }
}
