package dev.dropletworker.budget;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Limits the worker keeps to, per DigitalOcean token, across all pods. */
@ConfigMapping(prefix = "worker.budget")
public interface BudgetConfig {

    /**
     * Most requests in any sliding minute, across all pods (DigitalOcean's burst limit is 250; the
     * margin is for the clocks and for other users of the token). The whole minute's allowance may
     * go at once: the worker counts the window exactly.
     */
    @WithDefault("245")
    int perMinute();

    /** Most requests in any sliding hour, across all pods (DigitalOcean allows 5,000). */
    @WithDefault("4900")
    int perHour();

    /**
     * Requests of every sliding minute that new work (submissions and their lookups) leaves to the
     * actions already running (polls, list reads, final reads): when submissions saturate the
     * budget, commands DigitalOcean has already run are still followed and answered.
     */
    @WithDefault("10")
    int followUpReserve();

    /**
     * The same for the sliding hour: requests new work leaves to the actions already running, so
     * an account whose hour is spent on submissions still follows and answers what it started,
     * instead of waiting for the hour to slide.
     */
    @WithDefault("50")
    int followUpReservePerHour();

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
