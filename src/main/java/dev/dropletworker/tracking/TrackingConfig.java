package dev.dropletworker.tracking;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;

/** How submitted actions are followed to their end. */
@ConfigMapping(prefix = "worker.tracking")
public interface TrackingConfig {

    /** How often each pod looks for actions due for a poll. */
    @WithDefault("1s")
    Duration interval();

    /**
     * First poll of a new action, until the worker has seen enough actions of its type finish: from
     * then on the first poll comes after the median time DigitalOcean took for that type over the
     * last hour (polling before an action can have finished wastes budget).
     */
    @WithDefault("5s")
    Duration firstPoll();

    /** Shortest gap between two polls of one action; it doubles from here. */
    @WithDefault("3s")
    Duration minPollInterval();

    /** Longest gap between two polls of one action. */
    @WithDefault("15s")
    Duration maxPollInterval();

    /**
     * An action still running this long after it started fails its job with tracking_timeout, for
     * action types {@link #timeouts()} does not name.
     */
    @WithDefault("60m")
    Duration timeout();

    /**
     * Tracking timeouts by action type ({@code create}, {@code snapshot}, {@code power_on}, ...), sized
     * for how long DigitalOcean takes: snapshots, resizes, rebuilds, restores and creates in hours,
     * power actions and the rest in minutes. Defaults in application.properties.
     */
    Map<String, Duration> timeouts();

    /**
     * After a timeout, the job's Droplets stay held for the jobs behind it until DigitalOcean shows
     * the action finished, but no longer than this: a Droplet whose action never ends is not
     * blocked forever.
     */
    @WithDefault("12h")
    Duration holdAfterTimeout();

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

    /**
     * Shortest gap between two reads of one account's action list, across all pods: each read
     * serves every action in flight on the account, so this bounds what following them costs (at
     * 6 s, 10 requests a minute however many are in flight) and how late a finished one is seen.
     */
    @WithDefault("6s")
    Duration listReadInterval();

    /** Consecutive failed polls (other than rate limiting) of one action before its job fails. */
    @WithDefault("10")
    int maxPollFailures();
}
