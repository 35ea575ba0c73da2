package dev.dropletworker.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.budget.BudgetExhausted;
import dev.dropletworker.digitalocean.Action;
import dev.dropletworker.digitalocean.ApiError;
import dev.dropletworker.digitalocean.DigitalOcean;
import dev.dropletworker.digitalocean.DigitalOceanException;
import dev.dropletworker.digitalocean.Droplet;
import dev.dropletworker.event.Failure;
import dev.dropletworker.event.JobCompletion;
import dev.dropletworker.job.Job;
import dev.dropletworker.job.JobAction;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.job.PodIdentity;
import dev.dropletworker.lifecycle.RoleLoop;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Follows every submitted action to {@code completed} or {@code errored} with
 * {@code GET /v2/actions/{id}}, or a page of {@code GET /v2/actions} when one account has several
 * due, on a doubling, capped interval (every read costs rate budget), then
 * ends the job: for creates after one read of each Droplet for its final status and networks.
 */
@ApplicationScoped
public class ActionTracker {

    private static final Logger LOG = Logger.getLogger(ActionTracker.class);

    private final TrackingLedger ledger;
    private final JobStore jobs;
    private final JobCompletion completion;
    private final DigitalOcean api;
    private final TrackingConfig config;
    private final ObjectMapper mapper;
    private final MeterRegistry metrics;
    private final String owner;
    /** Allowance for clock skew between the database and DigitalOcean when bounding a list read. */
    private static final Duration LIST_CLOCK_SLACK = Duration.ofSeconds(30);
    private RoleLoop loop;

    public ActionTracker(TrackingLedger ledger, JobStore jobs, JobCompletion completion, DigitalOcean api,
            TrackingConfig config, ObjectMapper mapper, MeterRegistry metrics, PodIdentity pod) {
        this.ledger = ledger;
        this.jobs = jobs;
        this.completion = completion;
        this.api = api;
        this.config = config;
        this.mapper = mapper;
        this.metrics = metrics;
        this.owner = pod.name();
    }

    void start(@Observes StartupEvent event) {
        loop = new RoleLoop("tracking", config.interval(), this::track).start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (loop != null) {
            loop.close();
        }
    }

    /** One round: poll the actions that are due, end jobs whose actions all finished, time out the rest. */
    int track() {
        return pollDueActions() + finishJobs() + failTimedOut();
    }

    private int pollDueActions() {
        Map<UUID, Job> jobCache = new HashMap<>();
        List<Long> due = ledger.claimDuePolls(config.lease(), config.batchSize());
        List<JobAction> rows = due.stream().map(ledger::find).toList();
        rows.forEach(row -> jobCache.computeIfAbsent(row.jobId, id -> jobs.find(id).orElseThrow()));
        Map<Long, Action> listed;
        try {
            listed = readFromActionLists(rows, jobCache);
        } catch (BudgetExhausted e) {
            metrics.counter("dropletworker.budget.waits", "role", "tracking").increment();
            ledger.reschedulePolls(due, e.waitFor());
            return 0;
        } catch (DigitalOceanException.ErrorResponse e) {
            if (e.error().isTooManyRequests()) {
                ledger.reschedulePolls(due, e.retryAfter().orElse(config.minPollInterval()));
                return 0;
            }
            LOG.debugf("action list read failed (%s); polling one by one", e.getMessage());
            listed = Map.of();
        } catch (DigitalOceanException.Unreachable e) {
            LOG.debugf("action list read failed (%s); polling one by one", e.getMessage());
            listed = Map.of();
        }
        for (int i = 0; i < rows.size(); i++) {
            JobAction row = rows.get(i);
            Job job = jobCache.get(row.jobId);
            try {
                Action action = listed.get(row.actionId);
                if (action == null) {
                    action = api.getAction(job.account, row.actionId);
                }
                metrics.counter("dropletworker.tracking.polls").increment();
                if (ledger.polled(row.id, action)) {
                    LOG.infof("job %s action %d %s command_id=%s droplet_id=%s", job.id, row.actionId,
                            action.finalStatus(), job.commandId, action.resourceId());
                }
            } catch (BudgetExhausted e) {
                metrics.counter("dropletworker.budget.waits", "role", "tracking").increment();
                // This poll and the rest of the batch wait for the budget, not for their claims to expire.
                ledger.reschedulePolls(due.subList(i, due.size()), e.waitFor());
                return 0;
            } catch (DigitalOceanException.ErrorResponse e) {
                ApiError error = e.error();
                if (error.isTooManyRequests()) {
                    ledger.reschedulePolls(due.subList(i, due.size()), e.retryAfter().orElse(config.minPollInterval()));
                    return 0;
                }
                pollFailed(job, row, Failure.of(Failure.API_ERROR, error), error.isTransient());
            } catch (DigitalOceanException.Unreachable e) {
                pollFailed(job, row, Failure.of(Failure.RETRIES_EXHAUSTED, e.getMessage()), true);
            }
        }
        return due.size();
    }

    /**
     * Where one account has several actions in flight (a bulk, a multi-create, a busy account),
     * reads the due ones from the account's action list, newest first, instead of one request
     * each: a page of 200 costs what one single read does and shows every recent action at once.
     * Never more pages than the single reads they replace; a due action not found there is read on
     * its own. Actions in flight but not yet due that the page shows finished are recorded too,
     * which spares their polls.
     */
    private Map<Long, Action> readFromActionLists(List<JobAction> rows, Map<UUID, Job> jobCache) {
        Map<String, List<JobAction>> byAccount = new HashMap<>();
        rows.forEach(row -> byAccount.computeIfAbsent(jobCache.get(row.jobId).account, a -> new ArrayList<>()).add(row));
        Map<Long, Action> listed = new HashMap<>();
        if (rows.isEmpty() || config.listReadThreshold() <= 0) {
            return listed; // an idle round costs no query
        }
        Map<String, Long> inFlight = ledger.inFlightByAccount();
        for (Map.Entry<String, List<JobAction>> account : byAccount.entrySet()) {
            List<JobAction> accountRows = account.getValue();
            if (inFlight.getOrDefault(account.getKey(), 0L) < config.listReadThreshold()) {
                continue;
            }
            Set<Long> wanted = new HashSet<>();
            Instant since = null;
            for (JobAction row : accountRows) {
                wanted.add(row.actionId);
                Job job = jobCache.get(row.jobId);
                Instant started = row.startedAt != null ? row.startedAt
                        : job.firstSubmittingAt != null ? job.firstSubmittingAt : job.receivedAt;
                if (since == null || started.isBefore(since)) {
                    since = started;
                }
            }
            int maxPages = Math.max(1, accountRows.size() - 1);
            List<Action> page = api.listActionsSince(account.getKey(), since.minus(LIST_CLOCK_SLACK), maxPages, wanted);
            metrics.counter("dropletworker.tracking.list.reads").increment();
            Map<Long, Action> finishedElsewhere = new HashMap<>();
            for (Action action : page) {
                if (wanted.contains(action.id())) {
                    listed.put(action.id(), action);
                } else if (action.isFinished()) {
                    finishedElsewhere.put(action.id(), action);
                }
            }
            recordFinished(account.getKey(), finishedElsewhere);
        }
        return listed;
    }

    /** Actions a list read showed finished before their next poll came due. */
    private void recordFinished(String account, Map<Long, Action> finished) {
        if (finished.isEmpty()) {
            return;
        }
        ledger.inProgressRows(account, finished.keySet()).forEach((actionId, rowId) -> {
            Action action = finished.get(actionId);
            if (ledger.polled(rowId, action)) {
                metrics.counter("dropletworker.tracking.polls").increment();
                JobAction row = ledger.find(rowId);
                jobs.find(row.jobId).ifPresent(job -> LOG.infof("job %s action %d %s command_id=%s droplet_id=%s",
                        job.id, actionId, action.finalStatus(), job.commandId, action.resourceId()));
            }
        });
    }

    /** A 404 or 401 while polling may be a passing glitch too; only repeated failures end the job. */
    private void pollFailed(Job job, JobAction row, Failure failure, boolean transientError) {
        int failures = ledger.pollFailed(row.id, ledger.nextInterval(row.pollFailures + 1), true);
        LOG.debugf("job %s: poll of action %d failed (%d in a row): %s", job.id, row.actionId, failures,
                failure.message());
        if (failures >= config.maxPollFailures() || (!transientError && failures >= 3)) {
            completion.finish(job.id, JobState.FAILED, failure,
                    null, "action " + row.actionId + " could not be read " + failures + " times");
        }
    }

    private int finishJobs() {
        List<UUID> finishable = ledger.claimFinishable(owner, config.lease(), config.batchSize());
        for (UUID jobId : finishable) {
            Job job = jobs.find(jobId).orElseThrow();
            List<JobAction> actions = jobs.actionsOf(jobId);
            boolean errored = actions.stream().anyMatch(a -> Action.ERRORED.equals(a.status));
            try {
                JsonNode result = "droplet.create".equals(job.commandType) ? readCreatedDroplets(job, actions) : null;
                JobState outcome = errored ? JobState.ERRORED : JobState.COMPLETED;
                completion.finish(jobId, outcome, null, result, actions.size() + " actions finished");
            } catch (NotReadYet e) {
                ledger.postponeFinish(jobId, config.minPollInterval());
            } catch (BudgetExhausted e) {
                ledger.postponeFinish(jobId, e.waitFor());
            } catch (RuntimeException e) {
                LOG.warnf("job %s: could not be finished this round (%s); will try again", jobId,
                        e.getClass().getName());
                ledger.postponeFinish(jobId, config.minPollInterval());
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
    private JsonNode readCreatedDroplets(Job job, List<JobAction> actions) {
        boolean graceOver = jobs.now().isAfter(lastFinished(job, actions).plus(config.dropletReadGrace()));
        ArrayNode droplets = mapper.createArrayNode();
        for (JobAction action : actions) {
            ObjectNode entry = droplets.addObject();
            entry.put("id", action.dropletId);
            entry.put("name", initialName(job, action.dropletId));
            entry.putNull("status");
            JsonNode read = action.droplet;
            if (read == null && Action.COMPLETED.equals(action.status) && action.dropletId != null) {
                try {
                    Droplet droplet = api.getDroplet(job.account, action.dropletId);
                    read = mapper.createObjectNode().put("name", droplet.name()).put("status", droplet.status())
                            .set("networks", droplet.networks());
                    ledger.recordDroplet(action.id, read);
                } catch (DigitalOceanException e) {
                    if (!graceOver) {
                        throw new NotReadYet();
                    }
                    LOG.warnf("job %s: Droplet %d could not be read after its create (%s); reported without status",
                            job.id, action.dropletId, e.getMessage());
                }
            }
            if (read != null) {
                entry.setAll((ObjectNode) read);
            }
            entry.put("action_id", action.actionId);
            entry.put("action_status", action.status);
        }
        ObjectNode result = mapper.createObjectNode();
        result.set("droplets", droplets);
        return result;
    }

    /** When the last action finished (DigitalOcean's time), or when tracking began if none says. */
    private static Instant lastFinished(Job job, List<JobAction> actions) {
        return actions.stream().map(a -> a.completedAt).filter(java.util.Objects::nonNull).max(Instant::compareTo)
                .orElse(job.inProgressAt);
    }

    /** A created Droplet could not be read yet. */
    private static final class NotReadYet extends RuntimeException {
        NotReadYet() {
            super(null, null, false, false);
        }
    }

    private static String initialName(Job job, Long dropletId) {
        if (job.result != null && dropletId != null) {
            for (JsonNode d : job.result.path("droplets")) {
                if (d.path("id").asLong() == dropletId) {
                    return d.path("name").asText(null);
                }
            }
        }
        return null;
    }

    private int failTimedOut() {
        List<UUID> timedOut = ledger.timedOut(config.timeout(), config.batchSize());
        for (UUID jobId : timedOut) {
            completion.finish(jobId, JobState.FAILED,
                    Failure.of(Failure.TRACKING_TIMEOUT, "action not finished after " + config.timeout()), null,
                    "tracking timeout");
        }
        return timedOut.size();
    }
}
