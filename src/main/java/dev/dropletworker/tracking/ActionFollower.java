package dev.dropletworker.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.budget.BudgetExhausted;
import dev.dropletworker.budget.RateBudget.Purpose;
import dev.dropletworker.digitalocean.AccountNotConfigured;
import dev.dropletworker.digitalocean.Action;
import dev.dropletworker.digitalocean.ApiError;
import dev.dropletworker.digitalocean.DigitalOcean;
import dev.dropletworker.digitalocean.DigitalOceanException;
import dev.dropletworker.job.ActionView;
import dev.dropletworker.job.Failure.Reason;
import dev.dropletworker.job.Failure;
import dev.dropletworker.job.JobClaim;
import dev.dropletworker.job.JobLogContext;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.job.JobView;
import dev.dropletworker.job.TrackingLedger;
import dev.dropletworker.lifecycle.JobTrace;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.SpanKind;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Follows every submitted action to {@code completed} or {@code errored}: with
 * {@code GET /v2/actions/{id}}, or one page of {@code GET /v2/actions} for all of an account's
 * when it has several in flight, on the {@link PollSchedule} and when actions of each type have
 * lately been finishing ({@link ActionDurations}).
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
    private final ActionDurations durations;
    private final JobTrace trace;

    ActionFollower(TrackingLedger ledger, JobStore jobs, DigitalOcean api, TrackingConfig config,
            ActionDurations durations, MeterRegistry metrics, JobTrace trace) {
        this.ledger = ledger;
        this.jobs = jobs;
        this.api = api;
        this.config = config;
        this.schedule = new PollSchedule(config);
        this.durations = durations;
        this.metrics = metrics;
        this.trace = trace;
    }

    /**
     * Dispatch's hand-over: DigitalOcean is running these actions for the claimed job (or an earlier
     * attempt's were found). The job is IN_PROGRESS from here, each action first read when actions
     * of its type have lately been finishing.
     *
     * @param createdDroplets for a create, the Droplets as the create's answer gave them; null otherwise
     * @param attempt whether the claim was an attempt (else a look after the last one, which found them)
     */
    public void follow(JobClaim claim, List<Action> actions, JsonNode createdDroplets, String detail,
            boolean attempt) {
        ledger.follow(claim, actions, type -> schedule.untilFirstPoll(durations.median(type)), createdDroplets,
                detail, attempt);
    }

    /** As {@link #follow} for several claims' hand-overs, recorded in one transaction. */
    public void followAll(List<TrackingLedger.Follow> follows) {
        if (follows.isEmpty()) {
            return;
        }
        ledger.followAll(follows, type -> schedule.untilFirstPoll(durations.median(type)));
    }

    /** Reads the actions that are due. @return how many were due */
    int pollDue() {
        List<ActionView> due = ledger.claimDuePolls(config.lease(), config.batchSize());
        if (due.isEmpty()) {
            return 0;
        }
        Map<UUID, JobView> jobsById = jobs.findAll(due.stream().map(ActionView::jobId).toList());
        Map<String, List<ActionView>> byAccount = new HashMap<>();
        due.forEach(row -> byAccount.computeIfAbsent(jobsById.get(row.jobId()).account(), a -> new ArrayList<>())
                .add(row));
        Map<String, Long> inFlight = schedule.listReadsEnabled() ? ledger.inFlightByAccount() : Map.of();
        List<ActionView> single = new ArrayList<>();
        Map<Long, Action> listed = new HashMap<>();
        for (Map.Entry<String, List<ActionView>> account : byAccount.entrySet()) {
            if (schedule.readsFromList(inFlight.getOrDefault(account.getKey(), 0L))) {
                if (readFromList(account.getKey(), account.getValue(), jobsById, listed)) {
                    single.addAll(account.getValue());
                }
            } else {
                single.addAll(account.getValue());
            }
        }
        pollEach(single, jobsById, listed);
        return due.size();
    }

    /**
     * Reads the due actions of an account with several in flight (a bulk, a multi-create, a busy
     * account) from its action list, newest first, instead of one request each: a page of 200 costs
     * what one single read does and shows every recent action of the account at once, whichever pod
     * follows it. The account's actions this worker knows to be newer than the due ones push them
     * down the list: when the pages a read may take do not reach the due ones from page 1, it starts
     * further down ({@link PollSchedule#firstListPage}), so actions that waited behind thousands of
     * newer ones are still read from the list. One pod at a time makes the account's read, at most
     * once per {@link TrackingConfig#listReadInterval()}; a pod whose due actions find the read not its to
     * make lets them wait for the next, which sees them. Actions in flight but not yet due that the
     * page shows finished are recorded too, which spares their polls.
     *
     * @param listed where the actions read are put, by id
     * @return whether the rows are this pod's to read now ({@code listed}, or one by one where the
     *         list did not show them); false when they were left for the account's next list read
     */
    private boolean readFromList(String account, List<ActionView> rows, Map<UUID, JobView> jobsById,
            Map<Long, Action> listed) {
        List<Long> rowIds = rows.stream().map(ActionView::rowId).toList();
        if (!ledger.claimListRead(account, config.lease())) {
            ledger.reschedulePolls(rowIds, schedule.untilAccountListRead(ledger.untilListRead(account)));
            return false;
        }
        Duration untilNextRead = schedule.untilNextListRead();
        try {
            Set<Long> wanted = new HashSet<>();
            Instant since = null;
            for (ActionView row : rows) {
                wanted.add(row.actionId());
                JobView job = jobsById.get(row.jobId());
                Instant started = row.startedAt() != null ? row.startedAt()
                        : job.firstSubmittingAt() != null ? job.firstSubmittingAt() : job.receivedAt();
                if (since == null || started.isBefore(since)) {
                    since = started;
                }
            }
            int pages = schedule.listPagesFor(rows.size());
            TrackingLedger.NewerActions newer = ledger.actionsNewerThan(account, Collections.max(wanted),
                    Collections.min(wanted));
            int firstPage = PollSchedule.firstListPage(newer.thanNewest(), newer.thanOldest(), pages,
                    DigitalOcean.ACTION_LIST_PAGE);
            List<Action> page = api.listActionsSince(account, since, firstPage, pages, wanted, Purpose.FOLLOW_UP);
            metrics.counter("dropletworker.tracking.list.reads").increment();
            Map<Long, Action> finishedElsewhere = new HashMap<>();
            for (Action action : page) {
                if (wanted.contains(action.id())) {
                    listed.put(action.id(), action);
                } else if (action.isFinished()) {
                    finishedElsewhere.put(action.id(), action);
                }
            }
            recordFinished(account, finishedElsewhere);
            return true;
        } catch (BudgetExhausted e) {
            metrics.counter("dropletworker.budget.waits", "role", "tracking").increment();
            untilNextRead = e.waitFor();
            ledger.reschedulePolls(rowIds, untilNextRead);
            return false;
        } catch (DigitalOceanException.ErrorResponse e) {
            if (e.error().isTooManyRequests()) {
                untilNextRead = schedule.afterRateLimit(e.retryAfter().orElse(null));
                ledger.reschedulePolls(rowIds, untilNextRead);
                return false;
            }
            LOG.debugf("action list read failed (%s); polling one by one", e.getMessage());
            return true;
        } catch (DigitalOceanException.Unreachable | AccountNotConfigured e) {
            LOG.debugf("action list read failed (%s); polling one by one", e.getMessage());
            return true;
        } finally {
            ledger.listReadDone(account, untilNextRead);
        }
    }

    /**
     * Reads each of these actions: those the account's list showed ({@code listed}) are recorded
     * together, the others each read on its own.
     */
    private void pollEach(List<ActionView> rows, Map<UUID, JobView> jobsById, Map<Long, Action> listed) {
        Map<Boolean, List<ActionView>> byListed = rows.stream()
                .collect(Collectors.partitioningBy(row -> listed.containsKey(row.actionId())));
        boolean recorded = recordListed(byListed.get(true), jobsById, listed);
        readEach(recorded ? byListed.get(false) : rows, jobsById, listed);
    }

    /**
     * Records what the list showed of these rows' actions in one transaction.
     *
     * @return false when that failed, and the rows are to be recorded one at a time
     */
    private boolean recordListed(List<ActionView> rows, Map<UUID, JobView> jobsById, Map<Long, Action> listed) {
        if (rows.isEmpty()) {
            return true;
        }
        Map<Long, Action> byRow = new HashMap<>();
        rows.forEach(row -> byRow.put(row.rowId(), listed.get(row.actionId())));
        Set<Long> finished;
        try {
            finished = ledger.recordPolls(byRow, schedule::untilNextPoll);
        } catch (RuntimeException e) {
            LOG.debugf("%d listed actions could not be recorded together (%s); recording them one at a time",
                    rows.size(), e.getClass().getName());
            return false;
        }
        metrics.counter("dropletworker.tracking.polls").increment(rows.size());
        for (ActionView row : rows) {
            if (finished.contains(row.rowId())) {
                logFinished(jobsById.get(row.jobId()), row, byRow.get(row.rowId()));
            }
        }
        return true;
    }

    /** Reads each of these actions, from {@code listed} where the account's list showed it, else on its own. */
    private void readEach(List<ActionView> rows, Map<UUID, JobView> jobsById, Map<Long, Action> listed) {
        for (int i = 0; i < rows.size(); i++) {
            ActionView row = rows.get(i);
            JobView job = jobsById.get(row.jobId());
            try (JobLogContext fields = JobLogContext.of(job);
                    JobTrace.Step step = trace.step(job.traceParent(), "poll action", SpanKind.INTERNAL)
                            .attribute("job.id", job.id().toString())) {
                Action action = listed.get(row.actionId());
                if (action == null) {
                    action = api.getAction(job.account(), row.actionId());
                }
                recordPoll(job, row, action);
            } catch (BudgetExhausted e) {
                metrics.counter("dropletworker.budget.waits", "role", "tracking").increment();
                // This poll and the rest wait for the budget, not for their claims to expire.
                ledger.reschedulePolls(rows.subList(i, rows.size()).stream().map(ActionView::rowId).toList(),
                        e.waitFor());
                return;
            } catch (DigitalOceanException.ErrorResponse e) {
                ApiError error = e.error();
                if (error.isTooManyRequests()) {
                    ledger.reschedulePolls(rows.subList(i, rows.size()).stream().map(ActionView::rowId).toList(),
                            schedule.afterRateLimit(e.retryAfter().orElse(null)));
                    return;
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
    }

    private void recordPoll(JobView job, ActionView row, Action action) {
        metrics.counter("dropletworker.tracking.polls").increment();
        if (ledger.recordPoll(row.rowId(), action, schedule::untilNextPoll)) {
            logFinished(job, row, action);
        }
    }

    private static void logFinished(JobView job, ActionView row, Action action) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        try (JobLogContext fields = JobLogContext.of(job)) {
            LOG.info(finishedLine(job, row, action));
        }
    }

    /** An action's end as one INFO line, joined rather than formatted (as {@code Transitions.line}). */
    static String finishedLine(JobView job, ActionView row, Action action) {
        return "job " + job.id() + " action " + row.actionId() + " " + action.finalStatus() + " command_id="
                + job.commandId() + " droplet_id=" + action.resourceId();
    }

    /** Actions a list read showed finished before their next poll came due. */
    private void recordFinished(String account, Map<Long, Action> finished) {
        Map<Long, ActionView> rows = ledger.inProgressFollowing(account, finished.keySet());
        if (rows.isEmpty()) {
            return;
        }
        Map<UUID, JobView> owners = jobs.findAll(rows.values().stream().map(ActionView::jobId).toList());
        List<ActionView> seen = List.copyOf(rows.values());
        if (!recordListed(seen, owners, finished)) {
            seen.forEach(row -> recordPoll(owners.get(row.jobId()), row, finished.get(row.actionId())));
        }
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
