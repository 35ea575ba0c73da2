package dev.dropletworker.budget;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Limits the worker keeps to, per DigitalOcean token, across all pods. */
@ConfigMapping(prefix = "worker.budget")
public interface BudgetConfig {

    /** Requests per minute (DigitalOcean's burst limit is 250; keep a margin for other users of the token). */
    @WithDefault("240")
    int perMinute();

    /** Requests per hour (DigitalOcean allows 5,000 in a sliding hour). */
    @WithDefault("4800")
    int perHour();

    /** Pause after a 429 that carries no retry-after and no usable reset time. */
    @WithDefault("5s")
    Duration defaultPause();

    /**
     * How long a reservation for a several-request step outlives the refill it waits for: the time
     * its holder has to come back before the other takers stop leaving tokens for it.
     */
    @WithDefault("10s")
    Duration reservationGrace();

    /** Longest pause any header may impose. */
    @WithDefault("1h")
    Duration maxPause();
}
