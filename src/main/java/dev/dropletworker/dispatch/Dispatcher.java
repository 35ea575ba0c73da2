package dev.dropletworker.dispatch;

import dev.dropletworker.budget.BudgetExhausted;
import dev.dropletworker.digitalocean.ApiError;
import dev.dropletworker.digitalocean.DigitalOceanException;
import dev.dropletworker.dispatch.SubmissionLedger.Sent;
import dev.dropletworker.event.Failure;
import dev.dropletworker.job.Job;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * Turns due RECEIVED jobs into DigitalOcean requests: claims them (FOR UPDATE SKIP LOCKED, with a
 * lease), sends each within the rate budget, and decides what every kind of answer means.
 */
@ApplicationScoped
public class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);

    private final JobStore jobs;
    private final DropletRequests requests;
    private final SubmissionLedger ledger;
    private final DispatchConfig config;
    private final DropletRequests.Claim claim;
    private final MeterRegistry metrics;
    private RoleLoop loop;
    /** Accounts whose budget ran out, and until when (this pod's clock; only this pod's claims use it). */
    private final Map<String, Instant> exhaustedAccounts = new ConcurrentHashMap<>();

    public Dispatcher(JobStore jobs, DropletRequests requests, SubmissionLedger ledger, DispatchConfig config,
            PodIdentity pod, MeterRegistry metrics) {
        this.jobs = jobs;
        this.requests = requests;
        this.ledger = ledger;
        this.config = config;
        this.claim = new DropletRequests.Claim(pod.name(), config.lease());
        this.metrics = metrics;
    }

    void start(@Observes StartupEvent event) {
        loop = new RoleLoop("dispatch", config.interval(), this::dispatchDue).start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (loop != null) {
            loop.close();
        }
    }

    /** New work was committed: look now rather than at the next interval. */
    public void wake() {
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
        List<UUID> claimed = jobs.claimDue(claim.owner(), config.lease(), config.batchSize(),
                Set.copyOf(exhaustedAccounts.keySet()));
        int submitted = 0;
        for (UUID id : claimed) {
            if (submit(id)) {
                submitted++;
            }
        }
        return submitted;
    }

    /** @return false when nothing was sent because the account's rate budget is exhausted */
    boolean submit(UUID jobId) {
        Job job = jobs.find(jobId).orElseThrow();
        Instant exhaustedUntil = exhaustedAccounts.get(job.account);
        if (exhaustedUntil != null && exhaustedUntil.isAfter(Instant.now())) {
            // Claimed in the same batch as the job that found the budget gone: hand it back as it was.
            ledger.later(jobId, claim.owner(), Duration.between(Instant.now(), exhaustedUntil), false,
                    Sent.NOT_APPLIED, "waiting for rate budget", null);
            return false;
        }
        LOG.infof("job %s RECEIVED -> SUBMITTING command_id=%s droplet_id=%s attempts=%d (claimed by %s)", job.id,
                job.commandId, job.dropletId, job.attempts, claim.owner());
        try {
            Optional<Submitted> submitted = switch (job.commandType) {
                case "droplet.action" -> Optional.of(requests.submitAction(job, claim));
                case "droplet.tag_action" -> Optional.of(requests.submitTagAction(job, claim));
                case "droplet.create" -> requests.submitCreate(job, claim, settled(job),
                        job.attempts <= config.maxAttempts());
                default -> throw new IllegalStateException("unknown command type " + job.commandType);
            };
            if (submitted.isPresent()) {
                ledger.submitted(jobId, claim.owner(), submitted.get());
            } else if (job.attempts > config.maxAttempts() && settled(job)) {
                failed(job, lastFailure(job), "no Droplets of the unconfirmed create showed up");
            } else {
                ledger.later(jobId, claim.owner(), config.retryBackoff(), false, Sent.NOT_APPLIED,
                        "waiting for the Droplets of an unconfirmed create to show up", null);
            }
            return true;
        } catch (DropletRequests.LeaseLost e) {
            LOG.warnf("job %s: lease lost before sending; another pod has it", jobId);
            return true;
        } catch (BudgetExhausted e) {
            metrics.counter("dropletworker.budget.waits", "role", "dispatch").increment();
            exhaustedAccounts.put(job.account, Instant.now().plus(e.waitFor()));
            ledger.later(jobId, claim.owner(), e.waitFor(), false, Sent.NOT_APPLIED, "waiting for rate budget", null);
            return false;
        } catch (DigitalOceanException.ErrorResponse e) {
            onErrorResponse(job, e);
            if (e.error().isTooManyRequests()) {
                exhaustedAccounts.put(job.account,
                        Instant.now().plus(e.retryAfter().orElse(config.retryBackoff())));
                return false;
            }
            return true;
        } catch (DigitalOceanException.Unreachable e) {
            retryOrFail(job, Failure.of(Failure.RETRIES_EXHAUSTED, e.getMessage()), e.getMessage());
            return true;
        } catch (RuntimeException e) {
            // Whatever failed may have come after a POST that took effect: look before sending again.
            // Only the exception's class is recorded: messages of lower layers may quote headers.
            LOG.errorf("job %s: unexpected %s while submitting", jobId, e.getClass().getName());
            LOG.debugf(e, "job %s: unexpected failure", jobId);
            retryOrFail(job, Failure.of(Failure.RETRIES_EXHAUSTED, "internal error: " + e.getClass().getName()),
                    e.getClass().getSimpleName());
            return true;
        }
    }

    private void onErrorResponse(Job job, DigitalOceanException.ErrorResponse e) {
        ApiError error = e.error();
        Failure last = Failure.of(Failure.API_ERROR, error);
        if (error.isPendingEvent() || error.isTooManyRequests()) {
            // The Droplet is busy, or the token is rate limited: later, not failed (up to the give-up limit).
            if (givenUp(job)) {
                failed(job, Failure.of(Failure.RETRIES_EXHAUSTED, error),
                        "still " + error.httpStatus() + " after " + config.giveUpAfter());
            } else if (error.isPendingEvent()) {
                ledger.later(job.id, claim.owner(), config.pendingEventDelay(), false, Sent.NOT_APPLIED,
                        "Droplet has a pending event", last);
            } else {
                ledger.later(job.id, claim.owner(), e.retryAfter().orElse(config.retryBackoff()), false,
                        Sent.NOT_APPLIED, "rate limited (429)", last);
            }
        } else if (error.isTransient()) {
            // A 5xx to a POST may come after the server acted: look before sending again.
            retryOrFail(job, Failure.of(Failure.RETRIES_EXHAUSTED, error), error.httpStatus() + " " + error.id());
        } else {
            failed(job, last, "permanent API error " + error.httpStatus());
        }
    }

    /** After a failure whose request may have taken effect. */
    private void retryOrFail(Job job, Failure failure, String detail) {
        boolean lastAttempt = job.attempts >= config.maxAttempts() || givenUp(job);
        if (lastAttempt && "droplet.create".equals(job.commandType)) {
            // Never fail a create that may exist: one more round looks for it (and only looks).
            ledger.later(job.id, claim.owner(), config.createSettle(), true, Sent.UNCONFIRMED,
                    "last look for the Droplets after: " + detail, failure);
        } else if (lastAttempt) {
            failed(job, failure, "giving up after " + job.attempts + " attempts: " + detail);
        } else {
            ledger.later(job.id, claim.owner(), backoff(job.attempts), true, Sent.UNCONFIRMED, "retrying: " + detail,
                    failure);
        }
    }

    private void failed(Job job, Failure failure, String detail) {
        ledger.failed(job.id, claim.owner(), failure, detail);
    }

    private static Failure lastFailure(Job job) {
        return new Failure(Failure.RETRIES_EXHAUSTED, job.errorHttpStatus, job.errorId, job.errorMessage,
                job.errorRequestId);
    }

    /** The give-up limit counts from the first claim, not from arrival: queueing is not failing. */
    private boolean givenUp(Job job) {
        return jobs.now().isAfter(job.firstSubmittingAt.plus(config.giveUpAfter()));
    }

    private boolean settled(Job job) {
        return job.unconfirmedSince == null || jobs.now().isAfter(job.unconfirmedSince.plus(config.createSettle()));
    }

    /** Exponential, capped, with jitter so that pods retrying together spread out. */
    private Duration backoff(int attempts) {
        long base = config.retryBackoff().toMillis() << Math.min(20, Math.max(0, attempts - 1));
        long capped = Math.min(base, config.maxRetryBackoff().toMillis());
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }
}
