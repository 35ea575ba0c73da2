package dev.dropletworker.dispatch;

import dev.dropletworker.budget.BudgetExhausted;
import dev.dropletworker.digitalocean.AccountNotConfigured;
import dev.dropletworker.digitalocean.DigitalOceanAccounts;
import dev.dropletworker.digitalocean.DigitalOceanException;
import dev.dropletworker.job.DatabaseClock;
import dev.dropletworker.job.JobClaim;
import dev.dropletworker.job.JobLogContext;
import dev.dropletworker.job.JobRecorded;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.job.JobView;
import dev.dropletworker.job.PodIdentity;
import dev.dropletworker.job.SubmissionLedger;
import dev.dropletworker.job.TrackingLedger;
import dev.dropletworker.lifecycle.JobTrace;
import dev.dropletworker.lifecycle.RoleLoop;
import dev.dropletworker.lifecycle.ShutdownDeadline;
import dev.dropletworker.tracking.ActionFollower;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.SpanKind;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Turns due RECEIVED jobs into DigitalOcean requests: claims them (FOR UPDATE SKIP LOCKED, with a
 * lease), sends each within the rate budget, lets {@link SubmissionPolicy} decide what the answer
 * means, and records that decision.
 */
@ApplicationScoped
public class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);

    private final JobStore jobs;
    private final DropletRequests requests;
    private final SubmissionLedger ledger;
    private final ActionFollower follower;
    private final DispatchConfig config;
    private final SubmissionPolicy policy;
    private final String owner;
    private final MeterRegistry metrics;
    private final JobTrace trace;
    private final ShutdownDeadline deadline;
    private final DigitalOceanAccounts accounts;
    private final DatabaseClock clock;
    private RoleLoop loop;
    /** Accounts whose budget ran out, and until when (this pod's clock; only this pod's claims use it). */
    private final Map<String, Instant> exhaustedAccounts = new ConcurrentHashMap<>();

    public Dispatcher(JobStore jobs, DropletRequests requests, SubmissionLedger ledger, ActionFollower follower,
            DispatchConfig config, PodIdentity pod, MeterRegistry metrics, JobTrace trace, ShutdownDeadline deadline,
            DigitalOceanAccounts accounts, DatabaseClock clock) {
        this.jobs = jobs;
        this.requests = requests;
        this.ledger = ledger;
        this.follower = follower;
        this.config = config;
        this.policy = new SubmissionPolicy(config, SubmissionPolicy.Jitter.RANDOM);
        this.owner = pod.name();
        this.metrics = metrics;
        this.trace = trace;
        this.deadline = deadline;
        this.accounts = accounts;
        this.clock = clock;
    }

    void start(@Observes StartupEvent event) {
        loop = new RoleLoop("dispatch", config.interval(), this::dispatchDue).start();
    }

    /**
     * Shutdown: claims nothing more, lets the request being sent finish and records its answer,
     * then releases the claims whose request has not gone out, so another pod takes them now.
     */
    void stop(@Observes @Priority(ShutdownDeadline.STOP_DISPATCH) ShutdownEvent event) {
        if (loop == null) {
            return;
        }
        boolean roundEnded = loop.close(deadline.remaining());
        try {
            int released = jobs.releaseUnsentClaims(owner);
            long sent = jobs.claimsHeldBy(owner);
            LOG.infof("shutdown: dispatch stopped%s; %d claims released, %d with a request out left to their lease",
                    roundEnded ? "" : " (a request was still out when the time ran out)", released, sent);
        } catch (RuntimeException e) {
            // The database is going away too (a local run's Ctrl-C stops everything at once): the
            // claims come back when their leases expire, as a crashed pod's do. The rest of the shutdown goes on.
            LOG.warnf("shutdown: dispatch stopped, claims not released (%s); they are resumed after their lease",
                    e.getClass().getName());
        }
    }

    /** New work was committed: look now rather than at the next interval. */
    void wake(@Observes(during = TransactionPhase.AFTER_SUCCESS) JobRecorded recorded) {
        if (loop != null) {
            loop.wake();
        }
    }

    /**
     * Stops sending new requests from this pod (for maintenance, or to drain it); returns once the
     * round in progress has ended. Tracking and event publishing go on.
     */
    public void pause() {
        loop.pause();
    }

    public void resume() {
        loop.resume();
    }

    /** One round: resume expired claims, claim a batch of due jobs, submit them. */
    int dispatchDue() {
        jobs.releaseExpiredLeases();
        Instant now = Instant.now();
        exhaustedAccounts.values().removeIf(until -> until.isBefore(now));
        if (!exhaustedAccounts.isEmpty() && exhaustedAccounts.keySet().containsAll(accounts.configured())) {
            // No account has budget: a claim would walk the whole backlog to find nothing it may send.
            return 0;
        }
        List<JobView> claimed = jobs.claimDue(owner, config.lease(), config.batchSize(),
                Set.copyOf(exhaustedAccounts.keySet()));
        // One POST each, of one account: sent together. The rest on their own, in the claim's order.
        Map<String, List<JobView>> together = new LinkedHashMap<>();
        claimed.stream().filter(DropletRequests::postsAlone)
                .forEach(job -> together.computeIfAbsent(job.account(), a -> new ArrayList<>()).add(job));
        together.values().removeIf(jobsOfAccount -> jobsOfAccount.size() < 2);
        int submitted = 0;
        for (JobView job : claimed) {
            if (loop != null && loop.stopping()) {
                break; // shutting down: the claims not yet sent are released, for other pods to take now
            }
            List<JobView> group = DropletRequests.postsAlone(job) ? together.get(job.account()) : null;
            if (group != null) {
                if (group.get(0) == job) {
                    submitted += submitTogether(group);
                }
            } else if (submitInStep(job)) {
                submitted++;
            }
        }
        return submitted;
    }

    private boolean submitInStep(JobView job) {
        try (JobLogContext fields = JobLogContext.of(job); JobTrace.Step step = dispatchStep(job)) {
            return submit(job);
        }
    }

    /** The job's span for its dispatch. */
    private JobTrace.Step dispatchStep(JobView job) {
        return trace.step(job.traceParent(), "dispatch " + job.commandType(), SpanKind.INTERNAL)
                .attribute("job.id", job.id().toString());
    }

    /**
     * Sends the POSTs of several claims of one account ({@link DropletRequests#postsAlone}) on one
     * transaction of marks and budget, one after the other, and records the ones DigitalOcean
     * accepted in one transaction. Each mark renewed its lease for a whole lease; once half of it
     * has gone by, the accepted ones are recorded at once and each POST left renews its own lease
     * first. When the budget does not hold them all (or the account has no token), each is sent on
     * its own, as a single claim is, so a scarce budget is spent as before.
     *
     * @return how many were submitted (not turned away for budget)
     */
    private int submitTogether(List<JobView> group) {
        String account = group.get(0).account();
        Instant exhaustedUntil = exhaustedAccounts.get(account);
        if (exhaustedUntil != null && exhaustedUntil.isAfter(Instant.now())) {
            return submitEach(group); // an earlier claim of this round found the budget gone: each is handed back
        }
        List<JobClaim> claims = group.stream().map(this::claimOf).toList();
        long markedAt = System.nanoTime();
        try {
            return requests.sendingTogether(account, claims, marked -> sendMarked(group, marked, markedAt));
        } catch (BudgetExhausted | AccountNotConfigured e) {
            // Thrown before anything was marked or sent: not all of them fit the budget, or the
            // account has no token. Each on its own, as a single claim is, which answers either.
            return submitEach(group);
        }
    }

    private int submitEach(List<JobView> group) {
        int submitted = 0;
        for (JobView job : group) {
            if (loop != null && loop.stopping()) {
                break;
            }
            if (submitInStep(job)) {
                submitted++;
            }
        }
        return submitted;
    }

    /**
     * The POSTs of the claims {@link #submitTogether} marked, and what became of them: accepted ones
     * recorded together, and every marked claim whose POST did not go out (stopping, the budget or a
     * 429 stopped the rest, or a failure ended the round) unmarked, so it is again one that sent
     * nothing.
     */
    private int sendMarked(List<JobView> group, Set<UUID> marked, long markedAt) {
        List<TrackingLedger.Follow> accepted = new ArrayList<>();
        List<JobView> unsent = new ArrayList<>();
        List<JobClaim> lost = new ArrayList<>();
        int submitted = 0;
        int reached = 0;
        boolean halted = false;
        try {
            for (; reached < group.size(); reached++) {
                JobView job = group.get(reached);
                JobClaim claim = claimOf(job);
                if (!marked.contains(job.id())) {
                    leaseLostBeforeSending(job);
                    submitted++;
                    continue;
                }
                if (halted || (loop != null && loop.stopping())) {
                    unsent.add(job);
                    continue;
                }
                if (System.nanoTime() - markedAt > config.lease().toNanos() / 2) {
                    // Half the marks' lease is gone: record what was accepted while its lease holds,
                    // and renew this one's before its POST.
                    follower.followAll(accepted);
                    accepted.clear();
                    if (!jobs.markSending(claim)) {
                        leaseLostBeforeSending(job);
                        lost.add(claim);
                        submitted++;
                        continue;
                    }
                }
                halted = !sendOneMarked(job, claim, accepted, unsent);
                submitted += halted ? 0 : 1;
            }
        } finally {
            // Marked claims the loop did not reach (something failed) sent nothing either.
            for (int i = reached + 1; i < group.size(); i++) {
                if (marked.contains(group.get(i).id())) {
                    unsent.add(group.get(i));
                }
            }
            try {
                List<JobClaim> unmarked = new ArrayList<>(lost);
                unsent.forEach(job -> unmarked.add(claimOf(job)));
                jobs.unmarkSending(unmarked);
            } finally {
                follower.followAll(accepted);
            }
        }
        if (halted) {
            // The budget or a 429 stopped the rest: handed back as a claim the budget turned away.
            Instant until = exhaustedAccounts.getOrDefault(group.get(0).account(), Instant.now());
            for (JobView job : unsent) {
                try (JobLogContext fields = JobLogContext.of(job)) {
                    record(claimOf(job), policy.decide(job, clock.now(),
                            new Answer.NoBudget(Duration.between(Instant.now(), until))));
                }
            }
        }
        return submitted;
    }

    /**
     * Sends one marked claim's POST and records its answer, or, if accepted, adds it to
     * {@code accepted} for the batch's one record; a claim sent nothing on (its POST found the
     * budget gone) goes to {@code unsent}, its mark to be taken back.
     *
     * @return false when the account's budget is gone (a 429, or none left): send no more of it
     */
    private boolean sendOneMarked(JobView job, JobClaim claim, List<TrackingLedger.Follow> accepted,
            List<JobView> unsent) {
        try (JobLogContext fields = JobLogContext.of(job); JobTrace.Step step = dispatchStep(job)) {
            Answer answer = answerOf(job, () -> Optional.of(requests.postMarked(job)));
            if (answer instanceof Answer.NoBudget noBudget) {
                exhaustedAccounts.put(job.account(), Instant.now().plus(noBudget.waitFor()));
                unsent.add(job);
                return false;
            }
            SubmissionOutcome outcome = policy.decide(job, clock.now(), answer);
            if (outcome instanceof SubmissionOutcome.Started started) {
                accepted.add(new TrackingLedger.Follow(claim, started.submitted().actions(),
                        started.submitted().droplets(), started.submitted().detail(), started.attempt()));
            } else {
                record(claim, outcome);
            }
            return !rateLimited(job, answer);
        }
    }

    private static void leaseLostBeforeSending(JobView job) {
        try (JobLogContext fields = JobLogContext.of(job)) {
            LOG.warnf("job %s: lease lost before sending; another pod has it", job.id());
        }
    }

    private JobClaim claimOf(JobView job) {
        return new JobClaim(job.id(), owner, config.lease());
    }

    /** @return false when nothing was sent because the account's rate budget is exhausted */
    private boolean submit(JobView job) {
        JobClaim claim = claimOf(job);
        Instant exhaustedUntil = exhaustedAccounts.get(job.account());
        if (exhaustedUntil != null && exhaustedUntil.isAfter(Instant.now())) {
            // Claimed in the same batch as the job that found the budget gone: hand it back as it was.
            Answer noBudget = new Answer.NoBudget(Duration.between(Instant.now(), exhaustedUntil));
            record(claim, policy.decide(job, clock.now(), noBudget));
            return false;
        }
        Answer answer;
        try {
            answer = send(job, claim);
        } catch (DropletRequests.LeaseLost e) {
            leaseLostBeforeSending(job);
            return true;
        }
        record(claim, policy.decide(job, clock.now(), answer));
        if (answer instanceof Answer.NoBudget noBudget) {
            exhaustedAccounts.put(job.account(), Instant.now().plus(noBudget.waitFor()));
            return false;
        }
        return !rateLimited(job, answer);
    }

    /** A 429: the account sends nothing more until its retry-after. */
    private boolean rateLimited(JobView job, Answer answer) {
        if (answer instanceof Answer.Refused refused && refused.error().isTooManyRequests()) {
            exhaustedAccounts.put(job.account(), Instant.now().plus(
                    refused.retryAfter() != null ? refused.retryAfter() : config.retryBackoff()));
            return true;
        }
        return false;
    }

    /** Sends the claim's request (or first looks for an earlier attempt's) and says what came back. */
    private Answer send(JobView job, JobClaim claim) {
        return answerOf(job, () -> {
            boolean mayPost = policy.mayPost(job, clock.now());
            return switch (job.type()) {
                case ACTION -> requests.submitAction(job, claim, mayPost);
                case TAG_ACTION -> requests.submitTagAction(job, claim, mayPost);
                case CREATE -> requests.submitCreate(job, claim, policy.settled(job, clock.now()), mayPost);
            };
        });
    }

    /** What came back of {@code sending}: DigitalOcean's answer, or why there was none. */
    private Answer answerOf(JobView job, Supplier<Optional<Submitted>> sending) {
        try {
            return sending.get().<Answer>map(Answer.Accepted::new).orElseGet(Answer.NothingFound::new);
        } catch (DropletRequests.Blocked e) {
            return new Answer.Blocked();
        } catch (AccountNotConfigured e) {
            return new Answer.NoAccount(e.account());
        } catch (BudgetExhausted e) {
            metrics.counter("dropletworker.budget.waits", "role", "dispatch").increment();
            return new Answer.NoBudget(e.waitFor());
        } catch (DigitalOceanException.ErrorResponse e) {
            return new Answer.Refused(e.error(), e.retryAfter().orElse(null));
        } catch (DigitalOceanException.Unreachable e) {
            return new Answer.NoAnswer(e.getMessage());
        } catch (DropletRequests.LeaseLost e) {
            throw e;
        } catch (RuntimeException e) {
            // Whatever failed may have come after a POST that took effect: look before sending again.
            // Only the exception's class is recorded: messages of lower layers may quote headers.
            LOG.errorf("job %s: unexpected %s while submitting", job.id(), e.getClass().getName());
            LOG.debugf(e, "job %s: unexpected failure", job.id());
            return new Answer.Broken(e.getClass().getName());
        }
    }

    private void record(JobClaim claim, SubmissionOutcome outcome) {
        if (outcome instanceof SubmissionOutcome.Started started) {
            follower.follow(claim, started.submitted().actions(), started.submitted().droplets(),
                    started.submitted().detail(), started.attempt());
        } else if (outcome instanceof SubmissionOutcome.Wait wait) {
            ledger.waiting(claim, wait.delay(), wait.reason(), wait.lastError());
        } else if (outcome instanceof SubmissionOutcome.LookBeforeResending look) {
            ledger.unconfirmed(claim, look.delay(), look.reason(), look.lastError(), look.attempt());
        } else {
            SubmissionOutcome.Fail fail = (SubmissionOutcome.Fail) outcome;
            ledger.failed(claim, fail.failure(), fail.reason(), fail.attempt());
        }
    }
}
