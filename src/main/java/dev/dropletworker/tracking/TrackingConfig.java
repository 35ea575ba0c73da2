package dev.dropletworker.tracking;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How submitted actions are followed to their end. */
@ConfigMapping(prefix = "worker.tracking")
public interface TrackingConfig {

    /** How often each pod looks for actions due for a poll. */
    @WithDefault("1s")
    Duration interval();

    /** First poll of a new action (most actions take seconds; polling at once wastes budget). */
    @WithDefault("5s")
    Duration firstPoll();

    /** Shortest gap between two polls of one action; it doubles from here. */
    @WithDefault("3s")
    Duration minPollInterval();

    /** Longest gap between two polls of one action. */
    @WithDefault("15s")
    Duration maxPollInterval();

    /** An action not finished this long after submission fails its job with tracking_timeout. */
    @WithDefault("60m")
    Duration timeout();

    /**
     * How long a created Droplet may answer 404 after its create action completed before the event
     * reports it without status (the API can lag behind its own action).
     */
    @WithDefault("2m")
    Duration dropletReadGrace();

    /**
     * How long a pod's claim on a poll or on a job's final read lasts. A pod that dies holding one
     * delays that poll by this much; two pods polling the same action by overlap cost only budget.
     */
    @WithDefault("30s")
    Duration lease();

    /** Actions polled per look. */
    @WithDefault("50")
    int batchSize();

    /**
     * When one account has at least this many actions in flight, its due actions are read from
     * pages of {@code GET /v2/actions} (200 actions each) instead of one request per action; never
     * more pages than the single reads they replace. 0 turns the list reads off.
     */
    @WithDefault("3")
    int listReadThreshold();

    /** Consecutive failed polls (other than rate limiting) of one action before its job fails. */
    @WithDefault("10")
    int maxPollFailures();
}
