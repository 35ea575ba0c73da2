package dev.dropletworker.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.budget.BudgetExhausted;
import dev.dropletworker.digitalocean.DigitalOcean;
import dev.dropletworker.digitalocean.DigitalOceanException;
import dev.dropletworker.digitalocean.Droplet;
import dev.dropletworker.job.ActionView;
import dev.dropletworker.job.Failure.Reason;
import dev.dropletworker.job.Failure;
import dev.dropletworker.job.JobLogContext;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.job.JobView;
import dev.dropletworker.job.PodIdentity;
import dev.dropletworker.job.TrackingLedger;
import dev.dropletworker.lifecycle.JobTrace;
import io.opentelemetry.api.trace.SpanKind;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Ends jobs whose actions have all finished: {@code completed}, or {@code errored} if any action
 * errored; for creates after one read of each Droplet for its final status and networks. Also ends
 * the jobs whose actions outran the tracking timeout.
 */
@ApplicationScoped
class JobFinisher {

    private static final Logger LOG = Logger.getLogger(JobFinisher.class);

    private final TrackingLedger ledger;
    private final JobStore jobs;
    private final DigitalOcean api;
    private final TrackingConfig config;
    private final PollSchedule schedule;
    private final ObjectMapper mapper;
    private final String owner;
    private final JobTrace trace;

    JobFinisher(TrackingLedger ledger, JobStore jobs, DigitalOcean api, TrackingConfig config, ObjectMapper mapper,
            PodIdentity pod, JobTrace trace) {
        this.ledger = ledger;
        this.jobs = jobs;
        this.api = api;
        this.config = config;
        this.schedule = new PollSchedule(config);
        this.mapper = mapper;
        this.owner = pod.name();
        this.trace = trace;
    }

    /** @return how many jobs were ready to finish */
    int finishReady() {
        List<UUID> finishable = ledger.claimFinishable(owner, config.lease(), config.batchSize());
        for (UUID jobId : finishable) {
            JobView job = jobs.find(jobId).orElseThrow();
            List<ActionView> actions = jobs.actionsOf(jobId);
            boolean errored = actions.stream().anyMatch(ActionView::errored);
            try (JobLogContext fields = JobLogContext.of(job);
                    JobTrace.Step step = trace.step(job.traceParent(), "finish job", SpanKind.INTERNAL)
                            .attribute("job.id", job.id().toString())) {
                JsonNode result = job.type().createsDroplets() ? readCreatedDroplets(job, actions) : null;
                JobState outcome = errored ? JobState.ERRORED : JobState.COMPLETED;
                ledger.finish(jobId, outcome, null, result, actions.size() + " actions finished");
            } catch (NotReadYet e) {
                ledger.postponeFinish(jobId, schedule.untilFinalReadRetry());
            } catch (BudgetExhausted e) {
                ledger.postponeFinish(jobId, e.waitFor());
            } catch (RuntimeException e) {
                LOG.warnf("job %s: could not be finished this round (%s); will try again", jobId,
                        e.getClass().getName());
                ledger.postponeFinish(jobId, schedule.untilFinalReadRetry());
            }
        }
        return finishable.size();
    }

    /**
     * One read per created Droplet, for its status and networks (assigned when the create
     * completes). Each read is kept as it is made, so with little budget left a multi-create's
     * reads spread over several rounds instead of starting over each time. A read that fails,
     * including the 404 a new Droplet can give for a while after its create, is tried again in a
     * later round until the grace period ends; after that the Droplet is reported without status
     * rather than holding the job forever.
     */
    private JsonNode readCreatedDroplets(JobView job, List<ActionView> actions) {
        boolean graceOver = jobs.now().isAfter(lastFinished(job, actions).plus(config.dropletReadGrace()));
        ArrayNode droplets = mapper.createArrayNode();
        for (ActionView action : actions) {
            ObjectNode entry = droplets.addObject();
            entry.put("id", action.dropletId());
            entry.put("name", initialName(job, action.dropletId()));
            entry.putNull("status");
            JsonNode read = action.droplet();
            if (read == null && action.completed() && action.dropletId() != null) {
                try {
                    Droplet droplet = api.getDroplet(job.account(), action.dropletId());
                    read = mapper.createObjectNode().put("name", droplet.name()).put("status", droplet.status())
                            .set("networks", droplet.networks());
                    ledger.recordDroplet(action.rowId(), read);
                } catch (DigitalOceanException e) {
                    if (!graceOver) {
                        throw new NotReadYet();
                    }
                    LOG.warnf("job %s: Droplet %d could not be read after its create (%s); reported without status",
                            job.id(), action.dropletId(), e.getMessage());
                }
            }
            if (read != null) {
                entry.setAll((ObjectNode) read);
            }
            entry.put("action_id", action.actionId());
            entry.put("action_status", action.status());
        }
        ObjectNode result = mapper.createObjectNode();
        result.set("droplets", droplets);
        return result;
    }

    /** When the last action finished (DigitalOcean's time), or when tracking began if none says. */
    private static Instant lastFinished(JobView job, List<ActionView> actions) {
        return actions.stream().map(ActionView::completedAt).filter(Objects::nonNull).max(Instant::compareTo)
                .orElse(job.inProgressAt());
    }

    /** A created Droplet could not be read yet. */
    private static final class NotReadYet extends RuntimeException {
        NotReadYet() {
            super(null, null, false, false);
        }
    }

    private static String initialName(JobView job, Long dropletId) {
        if (job.result() != null && dropletId != null) {
            for (JsonNode d : job.result().path("droplets")) {
                if (d.path("id").asLong() == dropletId) {
                    return d.path("name").asText(null);
                }
            }
        }
        return null;
    }

    /** @return how many jobs timed out */
    int failTimedOut() {
        List<UUID> timedOut = ledger.timedOut(schedule.timeout(), config.batchSize());
        for (UUID jobId : timedOut) {
            ledger.finish(jobId, JobState.FAILED,
                    Failure.of(Reason.TRACKING_TIMEOUT, "action not finished after " + schedule.timeout()), null,
                    "tracking timeout");
        }
        return timedOut.size();
    }
}
