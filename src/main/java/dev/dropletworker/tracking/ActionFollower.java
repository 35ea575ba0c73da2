package dev.dropletworker.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.budget.BudgetExhausted;
import dev.dropletworker.digitalocean.AccountNotConfigured;
import dev.dropletworker.digitalocean.Action;
import dev.dropletworker.digitalocean.ApiError;
import dev.dropletworker.digitalocean.DigitalOcean;
import dev.dropletworker.digitalocean.DigitalOceanException;
import dev.dropletworker.job.ActionView;
import dev.dropletworker.job.Failure.Reason;
import dev.dropletworker.job.Failure;
import dev.dropletworker.job.JobClaim;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.job.JobView;
import dev.dropletworker.job.TrackingLedger;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
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
 * Follows every submitted action to {@code completed} or {@code errored}: with
 * {@code GET /v2/actions/{id}}, or a page of {@code GET /v2/actions} when one account has several
 * in flight, on the {@link PollSchedule}.
 */
@ApplicationScoped
public class ActionFollower {

    private static final Logger LOG = Logger.getLogger(ActionFollower.class);

    private final TrackingLedger ledger;
    private final JobStore jobs;
    private final DigitalOcean api;
    private final TrackingConfig config;
    private final PollSchedule schedule;
    private final MeterRegistry metrics;

    ActionFollower(TrackingLedger ledger, JobStore jobs, DigitalOcean api, TrackingConfig config,
            MeterRegistry metrics) {
        this.ledger = ledger;
        this.jobs = jobs;
        this.api = api;
        this.config = config;
        this.schedule = new PollSchedule(config);
        this.metrics = metrics;
    }

    /**
     * Dispatch's hand-over: DigitalOcean is running these actions for the claimed job (or an earlier
     * attempt's were found). The job is IN_PROGRESS from here, its actions first read on schedule.
     *
     * @param createdDroplets for a create, the Droplets as the create's answer gave them; null otherwise
     * @param attempt whether the claim was an attempt (else a look after the last one, which found them)
     */
    public void follow(JobClaim claim, List<Action> actions, JsonNode createdDroplets, String detail,
            boolean attempt) {
        ledger.follow(claim, actions, schedule.untilFirstPoll(), createdDroplets, detail, attempt);
    }

    /** Reads the actions that are due. @return how many were due */
    int pollDue() {
        List<ActionView> due = ledger.claimDuePolls(config.lease(), config.batchSize());
        if (due.isEmpty()) {
            return 0;
        }
        Map<UUID, JobView> jobsById = jobs.findAll(due.stream().map(ActionView::jobId).toList());
        List<Long> rowIds = due.stream().map(ActionView::rowId).toList();
        Map<Long, Action> listed;
        try {
            listed = readFromActionLists(due, jobsById);
        } catch (BudgetExhausted e) {
            metrics.counter("dropletworker.budget.waits", "role", "tracking").increment();
            ledger.reschedulePolls(rowIds, e.waitFor());
            return 0;
        } catch (DigitalOceanException.ErrorResponse e) {
            if (e.error().isTooManyRequests()) {
                ledger.reschedulePolls(rowIds, schedule.afterRateLimit(e.retryAfter().orElse(null)));
                return 0;
            }
            LOG.debugf("action list read failed (%s); polling one by one", e.getMessage());
            listed = Map.of();
        } catch (DigitalOceanException.Unreachable | AccountNotConfigured e) {
            LOG.debugf("action list read failed (%s); polling one by one", e.getMessage());
            listed = Map.of();
        }
        for (int i = 0; i < due.size(); i++) {
            ActionView row = due.get(i);
            JobView job = jobsById.get(row.jobId());
            try {
                Action action = listed.get(row.actionId());
                if (action == null) {
                    action = api.getAction(job.account(), row.actionId());
                }
                recordPoll(job, row, action);
            } catch (BudgetExhausted e) {
                metrics.counter("dropletworker.budget.waits", "role", "tracking").increment();
                // This poll and the rest of the batch wait for the budget, not for their claims to expire.
                ledger.reschedulePolls(rowIds.subList(i, rowIds.size()), e.waitFor());
                return 0;
            } catch (DigitalOceanException.ErrorResponse e) {
                ApiError error = e.error();
                if (error.isTooManyRequests()) {
                    ledger.reschedulePolls(rowIds.subList(i, rowIds.size()),
                            schedule.afterRateLimit(e.retryAfter().orElse(null)));
                    return 0;
                }
                pollFailed(job, row, Failure.of(Reason.API_ERROR, error), error.isTransient());
            } catch (DigitalOceanException.Unreachable e) {
                pollFailed(job, row, Failure.of(Reason.RETRIES_EXHAUSTED, e.getMessage()), true);
            } catch (AccountNotConfigured e) {
                pollFailed(job, row, Failure.of(Reason.ACCOUNT_UNAVAILABLE, e.getMessage() + " any more"), false);
            } catch (RuntimeException e) {
                // The class only: messages of lower layers may quote request headers.
                LOG.warnf("job %s: poll of action %d failed (%s)", job.id(), row.actionId(), e.getClass().getName());
                pollFailed(job, row, Failure.of(Reason.RETRIES_EXHAUSTED, "internal error: " + e.getClass().getName()),
                        false);
            }
        }
        return due.size();
    }

    private void recordPoll(JobView job, ActionView row, Action action) {
        metrics.counter("dropletworker.tracking.polls").increment();
        if (ledger.recordPoll(row.rowId(), action, schedule::untilNextPoll)) {
            LOG.infof("job %s action %d %s command_id=%s droplet_id=%s", job.id(), row.actionId(),
                    action.finalStatus(), job.commandId(), action.resourceId());
        }
    }

    /**
     * Where one account has several actions in flight (a bulk, a multi-create, a busy account),
     * reads the due ones from the account's action list, newest first, instead of one request
     * each: a page of 200 costs what one single read does and shows every recent action at once.
     * A due action not found there is read on its own. Actions in flight but not yet due that the
     * page shows finished are recorded too, which spares their polls.
     */
    private Map<Long, Action> readFromActionLists(List<ActionView> due, Map<UUID, JobView> jobsById) {
        Map<Long, Action> listed = new HashMap<>();
        if (!schedule.listReadsEnabled()) {
            return listed;
        }
        Map<String, List<ActionView>> byAccount = new HashMap<>();
        due.forEach(row -> byAccount.computeIfAbsent(jobsById.get(row.jobId()).account(), a -> new ArrayList<>())
                .add(row));
        Map<String, Long> inFlight = ledger.inFlightByAccount();
        for (Map.Entry<String, List<ActionView>> account : byAccount.entrySet()) {
            List<ActionView> accountRows = account.getValue();
            if (!schedule.readsFromList(inFlight.getOrDefault(account.getKey(), 0L))) {
                continue;
            }
            Set<Long> wanted = new HashSet<>();
            Instant since = null;
            for (ActionView row : accountRows) {
                wanted.add(row.actionId());
                JobView job = jobsById.get(row.jobId());
                Instant started = row.startedAt() != null ? row.startedAt()
                        : job.firstSubmittingAt() != null ? job.firstSubmittingAt() : job.receivedAt();
                if (since == null || started.isBefore(since)) {
                    since = started;
                }
            }
            List<Action> page = api.listActionsSince(account.getKey(), since, schedule.listPagesFor(accountRows.size()),
                    wanted);
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
        Map<Long, ActionView> rows = ledger.inProgressFollowing(account, finished.keySet());
        if (rows.isEmpty()) {
            return;
        }
        Map<UUID, JobView> owners = jobs.findAll(rows.values().stream().map(ActionView::jobId).toList());
        rows.forEach((actionId, row) -> recordPoll(owners.get(row.jobId()), row, finished.get(actionId)));
    }

    /** A 404 or 401 while polling may be a passing glitch too; only repeated failures end the job. */
    private void pollFailed(JobView job, ActionView row, Failure failure, boolean transientError) {
        int failures = ledger.recordPollFailure(row.rowId(), schedule::afterFailedPoll);
        LOG.debugf("job %s: poll of action %d failed (%d in a row): %s", job.id(), row.actionId(), failures,
                failure.message());
        if (schedule.givesUp(failures, transientError)) {
            ledger.finish(job.id(), JobState.FAILED, failure, null,
                    "action " + row.actionId() + " could not be read " + failures + " times");
        }
    }
}
