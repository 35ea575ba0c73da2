package dev.dropletworker.dispatch;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How RECEIVED jobs become DigitalOcean requests. */
@ConfigMapping(prefix = "worker.dispatch")
public interface DispatchConfig {

    /** How often each pod looks for due jobs. */
    @WithDefault("1s")
    Duration interval();

    /**
     * Jobs claimed per look; all must be submitted within one lease. The first attempts of one
     * account among them are sent together, on one transaction of sending marks and budget.
     */
    @WithDefault("5")
    int batchSize();

    /** How long a claim lasts; after it, another pod may resume the job. */
    @WithDefault("2m")
    Duration lease();

    /** Attempts (claims that reached the API) before a transient failure becomes {@code failed}. */
    @WithDefault("5")
    int maxAttempts();

    /** First retry delay after a 5xx or a transport failure; doubles per attempt. */
    @WithDefault("2s")
    Duration retryBackoff();

    /** Longest retry delay. */
    @WithDefault("5m")
    Duration maxRetryBackoff();

    /** Delay before trying again after a 422 "pending event" (the Droplet is busy). */
    @WithDefault("10s")
    Duration pendingEventDelay();

    /** A job still not submitted this long after it was received fails with retries_exhausted. */
    @WithDefault("1h")
    Duration giveUpAfter();

    /**
     * After a create whose answer was lost, how long to keep looking for the Droplets it may have
     * made (they can take a moment to be listed) before creating again.
     */
    @WithDefault("30s")
    Duration createSettle();
}
