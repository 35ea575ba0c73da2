package dev.dropletworker.dispatch;

import dev.dropletworker.budget.BudgetExhausted;
import dev.dropletworker.digitalocean.ApiError;
import dev.dropletworker.digitalocean.DigitalOceanException;
import dev.dropletworker.event.Failure;
import dev.dropletworker.job.Job;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.job.PodIdentity;
import io.micrometer.core.instrument.MeterRegistry;
import dev.dropletworker.lifecycle.RoleLoop;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
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
    private final String owner;
    private final MeterRegistry metrics;
    private RoleLoop loop;

    public Dispatcher(JobStore jobs, DropletRequests requests, SubmissionLedger ledger, DispatchConfig config,
            PodIdentity pod, MeterRegistry metrics) {
        this.jobs = jobs;
        this.requests = requests;
        this.ledger = ledger;
        this.config = config;
        this.owner = pod.name();
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

    /** One round: resume expired claims, claim a batch of due jobs, submit them. */
    int dispatchDue() {
        jobs.releaseExpiredLeases();
        List<UUID> claimed = jobs.claimDue(owner, config.lease(), config.batchSize());
        for (int i = 0; i < claimed.size(); i++) {
            if (!submit(claimed.get(i))) {
                // Budget gone: hand the rest back untouched, without counting an attempt, and idle.
                claimed.subList(i + 1, claimed.size()).forEach(id -> ledger.later(id, owner,
                        Instant.now(), false, false, "not sent this round", null));
                return 0;
            }
        }
        return claimed.size();
    }

    /** @return false when the rate budget is exhausted and the round should stop */
    boolean submit(UUID jobId) {
        Job job = jobs.find(jobId).orElseThrow();
        try {
            Optional<Submitted> submitted = switch (job.commandType) {
                case "droplet.action" -> Optional.of(requests.submitAction(job));
                case "droplet.tag_action" -> Optional.of(requests.submitTagAction(job));
                case "droplet.create" -> requests.submitCreate(job,
                        job.unconfirmedSince == null || jobs.now().isAfter(job.unconfirmedSince.plus(config.createSettle())));
                default -> throw new IllegalStateException("unknown command type " + job.commandType);
            };
            if (submitted.isPresent()) {
                ledger.submitted(jobId, owner, submitted.get());
            } else {
                ledger.later(jobId, owner, Instant.now().plus(config.retryBackoff()), false, true,
                        "waiting for the Droplets of an unconfirmed create to show up", null);
            }
            return true;
        } catch (BudgetExhausted e) {
            metrics.counter("dropletworker.budget.waits", "role", "dispatch").increment();
            ledger.later(jobId, owner, e.availableAt(), false, false, "waiting for rate budget", null);
            return false;
        } catch (DigitalOceanException.ErrorResponse e) {
            onErrorResponse(job, e);
            return !e.error().isTooManyRequests();
        } catch (DigitalOceanException.Unreachable e) {
            retryOrFail(job, true, Failure.of(Failure.RETRIES_EXHAUSTED, e.getMessage()), e.getMessage());
            return true;
        } catch (RuntimeException e) {
            LOG.errorf(e, "job %s: unexpected failure while submitting", jobId);
            retryOrFail(job, false, Failure.of(Failure.RETRIES_EXHAUSTED, e.toString()), e.toString());
            return true;
        }
    }

    private void onErrorResponse(Job job, DigitalOceanException.ErrorResponse e) {
        ApiError error = e.error();
        Failure last = Failure.of(Failure.API_ERROR, error);
        if (error.isPendingEvent()) {
            // The Droplet is busy with another action: later, not failed.
            if (givenUp(job)) {
                ledger.failed(job.id, owner, Failure.of(Failure.RETRIES_EXHAUSTED, error),
                        "Droplet still busy after " + config.giveUpAfter());
            } else {
                ledger.later(job.id, owner, Instant.now().plus(config.pendingEventDelay()), false, false,
                        "Droplet has a pending event", last);
            }
        } else if (error.isTooManyRequests()) {
            Duration wait = e.retryAfter().orElse(config.retryBackoff());
            ledger.later(job.id, owner, Instant.now().plus(wait), false, false, "rate limited (429)", last);
        } else if (error.isTransient()) {
            // A 5xx to a POST may come after the server acted: look before sending again.
            retryOrFail(job, true, Failure.of(Failure.RETRIES_EXHAUSTED, error), error.httpStatus() + " " + error.id());
        } else {
            ledger.failed(job.id, owner, last, "permanent API error " + error.httpStatus());
        }
    }

    private void retryOrFail(Job job, boolean unconfirmed, Failure failure, String detail) {
        if (job.attempts >= config.maxAttempts() || givenUp(job)) {
            ledger.failed(job.id, owner, failure, "giving up after " + job.attempts + " attempts: " + detail);
        } else {
            ledger.later(job.id, owner, Instant.now().plus(backoff(job.attempts)), true, unconfirmed,
                    "retrying: " + detail, failure);
        }
    }

    private boolean givenUp(Job job) {
        return Instant.now().isAfter(job.receivedAt.plus(config.giveUpAfter()));
    }

    /** Exponential, capped, with jitter so that pods retrying together spread out. */
    private Duration backoff(int attempts) {
        long base = config.retryBackoff().toMillis() << Math.min(20, Math.max(0, attempts - 1));
        long capped = Math.min(base, config.maxRetryBackoff().toMillis());
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }
}
