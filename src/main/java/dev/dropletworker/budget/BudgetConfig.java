package dev.dropletworker.budget;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Limits the worker keeps to, per DigitalOcean token, across all pods. */
@ConfigMapping(prefix = "worker.budget")
public interface BudgetConfig {

    /**
     * Most requests in any sliding minute (DigitalOcean's burst limit is 250; keep a margin for
     * other users of the token).
     */
    @WithDefault("240")
    int perMinute();

    /**
     * Requests that may go at once after a quiet spell. The rest of the minute's allowance comes
     * evenly (per-minute less burst, over the minute), so no sliding minute ever holds more than
     * per-minute. At least 12, the largest step the dispatcher takes at once (a lost 10-Droplet
     * create's lookup and its POST); at most half of per-minute.
     */
    @WithDefault("20")
    int burst();

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
