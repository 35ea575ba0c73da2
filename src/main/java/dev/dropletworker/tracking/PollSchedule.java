package dev.dropletworker.tracking;

import java.time.Duration;

/**
 * When actions are read, and when tracking gives up on them: the first poll, the doubling interval
 * after it, the retry after a failed read, the limits on failed reads and on an action's running
 * time, and when one read of the account's action list replaces single reads. Every read costs
 * rate budget, so this is the one place that spends it for tracking.
 */
final class PollSchedule {

    /**
     * Reads answered 401 or 404 (a permanent answer, unless it is a passing glitch) that end the
     * job; other failures get up to {@link TrackingConfig#maxPollFailures()}.
     */
    static final int MAX_PERMANENT_POLL_FAILURES = 3;

    private final TrackingConfig config;

    PollSchedule(TrackingConfig config) {
        this.config = config;
    }

    /**
     * How long after submission a new action is first read: the configured first poll until actions
     * of its type have been seen finishing, then the median time they took (but never sooner than
     * the next round of tracking could read it).
     *
     * @param observedMedian how long actions of this type took lately, or null when unknown
     */
    Duration untilFirstPoll(Duration observedMedian) {
        if (observedMedian == null) {
            return config.firstPoll();
        }
        return observedMedian.compareTo(config.interval()) < 0 ? config.interval() : observedMedian;
    }

    /** After {@code polls} reads of a running action: doubling from the minimum interval, capped. */
    Duration untilNextPoll(int polls) {
        long min = config.minPollInterval().toMillis();
        long next = min << Math.min(16, Math.max(0, polls - 1));
        return Duration.ofMillis(Math.min(next, config.maxPollInterval().toMillis()));
    }

    /** After {@code failures} failed reads in a row, the next try backs off like a poll. */
    Duration afterFailedPoll(int failures) {
        return untilNextPoll(failures);
    }

    /** Whether {@code failures} failed reads in a row end the job. */
    boolean givesUp(int failures, boolean transientError) {
        return failures >= config.maxPollFailures() || (!transientError && failures >= MAX_PERMANENT_POLL_FAILURES);
    }

    /** A read refused for rate limiting waits for {@code retry-after} when the API gave one. */
    Duration afterRateLimit(Duration retryAfter) {
        return retryAfter != null ? retryAfter : config.minPollInterval();
    }

    /** A job's final read that could not be made yet (a new Droplet still 404s, no budget) is tried again after this. */
    Duration untilFinalReadRetry() {
        return config.minPollInterval();
    }

    /** An action of this type still running this long after it started fails its job with {@code tracking_timeout}. */
    Duration timeout(String actionType) {
        return actionType == null ? config.timeout() : config.timeouts().getOrDefault(actionType, config.timeout());
    }

    /** The shortest timeout of any type: actions running for less need no look. */
    Duration shortestTimeout() {
        return config.timeouts().values().stream().min(Duration::compareTo)
                .filter(d -> d.compareTo(config.timeout()) < 0).orElse(config.timeout());
    }

    /** How long a timed-out job's Droplets stay held, at most, while its action runs on. */
    Duration holdAfterTimeout() {
        return config.holdAfterTimeout();
    }

    /** Whether any account's actions are ever read from its action list. */
    boolean listReadsEnabled() {
        return config.listReadThreshold() > 0;
    }

    /**
     * Whether an account with {@code inFlight} actions in flight reads its due actions from one
     * page of its action list (200 actions, the cost of a single read) instead of one by one.
     */
    boolean readsFromList(long inFlight) {
        return config.listReadThreshold() > 0 && inFlight >= config.listReadThreshold();
    }

    /** After one read of an account's action list, how long until the next may be made, by any pod. */
    Duration untilNextListRead() {
        return config.listReadInterval();
    }

    /**
     * How long due actions of an account wait when its list read is not this pod's to make: until
     * that read is due ({@code untilDue}, null while another pod is making it), which sees them.
     */
    Duration untilAccountListRead(Duration untilDue) {
        if (untilDue == null) {
            return config.listReadInterval();
        }
        return untilDue.compareTo(config.interval()) < 0 ? config.interval() : untilDue;
    }

    /** Never more pages of the account's list than the single reads they replace. */
    int listPagesFor(int dueActions) {
        return Math.max(1, dueActions - 1);
    }

    /**
     * The page of the account's list (newest first, {@code perPage} a page) a read of {@code pages}
     * pages starts on, when at least {@code newerThanNewest} actions are newer than the newest due
     * one and {@code newerThanOldest} newer than the oldest: page 1 while the pages reach the oldest
     * due one from there (the newer actions a read passes on the way, finished ones recorded, cost
     * nothing more); else as late as reaches it, and never after the newest due one's page.
     */
    static int firstListPage(long newerThanNewest, long newerThanOldest, int pages, int perPage) {
        long newestPage = newerThanNewest / perPage + 1;
        long oldestPage = Math.max(newestPage, newerThanOldest / perPage + 1);
        return (int) Math.max(1, Math.min(newestPage, oldestPage - pages + 1));
    }
}
