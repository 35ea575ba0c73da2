package dev.dropletworker.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.budget.BudgetExhausted;
import dev.dropletworker.digitalocean.AccountNotConfigured;
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
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.ArrayList;
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
    /**
     * Jobs ended in one transaction: enough to share its cost, few enough that the first one's event
     * does not wait long for the last one's end.
     */
    private static final int ENDINGS_PER_TRANSACTION = 10;

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

    /**
     * Ends the jobs whose actions have all finished. The batch is read at once; the jobs that need
     * nothing more from DigitalOcean end ten to a transaction, and a create after its reads.
     *
     * @return how many jobs were ready to finish
     */
    int finishReady() {
        List<UUID> finishable = ledger.claimFinishable(owner, config.lease(), config.batchSize());
        if (finishable.isEmpty()) {
            return 0;
        }
        Map<UUID, JobView> found = jobs.findAll(finishable);
        Map<UUID, List<ActionView>> actionsByJob = jobs.actionsOfAll(finishable);
        List<TrackingLedger.Ending> endings = new ArrayList<>();
        for (UUID jobId : finishable) {
            JobView job = found.get(jobId);
            if (job == null) {
                throw new IllegalStateException("job " + jobId + " was claimed to finish but is not there");
            }
            List<ActionView> actions = actionsByJob.getOrDefault(jobId, List.of());
            boolean errored = actions.stream().anyMatch(ActionView::errored);
            if (job.type().createsDroplets()) {
                finishCreate(job, actions, errored);
            } else {
                endings.add(new TrackingLedger.Ending(jobId, errored ? JobState.ERRORED : JobState.COMPLETED,
                        actions.size() + " actions finished", job.generation(), actions));
            }
        }
        for (int i = 0; i < endings.size(); i += ENDINGS_PER_TRANSACTION) {
            finishAll(endings.subList(i, Math.min(endings.size(), i + ENDINGS_PER_TRANSACTION)), found);
        }
        return finishable.size();
    }

    /** Ends these jobs together, or one at a time if that fails, so that one job cannot hold back the rest. */
    private void finishAll(List<TrackingLedger.Ending> endings, Map<UUID, JobView> jobsById) {
        try {
            ledger.finishAll(endings);
            return;
        } catch (RuntimeException e) {
            LOG.debugf("%d jobs could not be finished together (%s); finishing them one at a time", endings.size(),
                    e.getClass().getName());
        }
        for (TrackingLedger.Ending ending : endings) {
            JobView job = jobsById.get(ending.jobId());
            try (JobLogContext fields = JobLogContext.of(job)) {
                ledger.finish(ending.jobId(), ending.terminal(), null, null, ending.detail());
            } catch (RuntimeException e) {
                LOG.warnf("job %s: could not be finished this round (%s); will try again", ending.jobId(),
                        e.getClass().getName());
                ledger.postponeFinish(ending.jobId(), schedule.untilFinalReadRetry());
            }
        }
    }

    /** A create's final reads and its end, in the job's trace. */
    private void finishCreate(JobView job, List<ActionView> actions, boolean errored) {
        try (JobLogContext fields = JobLogContext.of(job);
                JobTrace.Step step = trace.step(job.traceParent(), "finish job", SpanKind.INTERNAL)
                        .attribute("job.id", job.id().toString())) {
            readAndFinishCreate(job, actions, errored);
        } catch (NotReadYet e) {
            // Backs off like a poll: a Droplet that 404s for two minutes is not read forty times.
            ledger.postponeFinish(job.id(), schedule.afterFailedPoll(ledger.recordFinalReadFailure(e.rowId)));
        } catch (BudgetExhausted e) {
            ledger.postponeFinish(job.id(), e.waitFor());
        } catch (RuntimeException e) {
            LOG.warnf("job %s: could not be finished this round (%s); will try again", job.id(),
                    e.getClass().getName());
            ledger.postponeFinish(job.id(), schedule.untilFinalReadRetry());
        }
    }

    /**
     * A create ends {@code completed} only if it created every name it asked for: Droplets an
     * unconfirmed attempt made are reported, and names that were never created fail the job, which
     * says which.
     */
    private void readAndFinishCreate(JobView job, List<ActionView> actions, boolean errored) {
        JsonNode result = readCreatedDroplets(job, actions);
        int asked = job.dropletCount();
        if (actions.size() < asked) {
            List<String> made = new ArrayList<>();
            result.path("droplets").forEach(d -> made.add(d.path("name").asText()));
            List<String> missing = new ArrayList<>();
            job.request().path("names").forEach(n -> missing.add(n.asText()));
            if (job.request().hasNonNull("name")) {
                missing.add(job.request().get("name").asText());
            }
            missing.removeIf(name -> made.stream().anyMatch(name::equalsIgnoreCase));
            Failure failure = job.error() != null ? job.error().because(Reason.RETRIES_EXHAUSTED)
                    : new Failure(Reason.RETRIES_EXHAUSTED, null, null, null, null);
            ledger.finish(job.id(), JobState.FAILED, new Failure(failure.reason(), failure.httpStatus(), failure.id(),
                    actions.size() + " of " + asked + " Droplets were created; not created: " + String.join(", ", missing)
                            + (failure.message() == null ? "" : " (last error: " + failure.message() + ")"),
                    failure.requestId()), result, "created " + actions.size() + " of " + asked + " Droplets");
            return;
        }
        ledger.finish(job.id(), errored ? JobState.ERRORED : JobState.COMPLETED, null, result,
                actions.size() + " actions finished");
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
                } catch (BudgetExhausted e) {
                    throw e;
                } catch (RuntimeException e) {
                    if (!graceOver) {
                        throw new NotReadYet(action.rowId());
                    }
                    // The class and the API's own words only: messages of lower layers may quote headers.
                    String why = e instanceof DigitalOceanException || e instanceof AccountNotConfigured
                            ? e.getMessage() : e.getClass().getName();
                    LOG.warnf("job %s: Droplet %d could not be read after its create (%s); reported without status",
                            job.id(), action.dropletId(), why);
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
        final long rowId;

        NotReadYet(long rowId) {
            super(null, null, false, false);
            this.rowId = rowId;
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
        Map<UUID, String> timedOut = ledger.timedOut(schedule::timeout, schedule.shortestTimeout(), config.batchSize());
        timedOut.forEach((jobId, type) -> {
            Duration timeout = schedule.timeout(type);
            ledger.timeOut(jobId, Failure.of(Reason.TRACKING_TIMEOUT, "the " + type + " action did not finish within "
                    + timeout + "; its Droplets stay held until it does (at most " + schedule.holdAfterTimeout() + ")"),
                    schedule.holdAfterTimeout(), "tracking timeout (" + type + ", " + timeout + ")");
        });
        return timedOut.size();
    }
}
