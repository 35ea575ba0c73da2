package dev.dropletworker.tracking;

import dev.dropletworker.job.TrackingLedger;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * How long DigitalOcean has lately taken for each action type, as the worker saw it (its
 * {@code started_at} to its {@code completed_at}): the median over the last hour, refreshed once a
 * minute. It sets when a new action is first read, so that a reboot's first poll comes when reboots
 * have been finishing and a snapshot's is not spent minutes too early.
 */
@ApplicationScoped
public class ActionDurations {

    /** The actions a median is drawn from: recent enough to follow a change in DigitalOcean's speed. */
    static final Duration WINDOW = Duration.ofHours(1);

    /** How often the medians are read again (one query, grouped by type). */
    static final Duration REFRESH = Duration.ofMinutes(1);

    /** Fewer finished actions of a type than this, and its first poll stays the configured one. */
    public static final int MIN_SAMPLES = 5;

    private final TrackingLedger ledger;
    private volatile Map<String, Duration> medians = Map.of();
    private volatile Instant refreshedAt;

    ActionDurations(TrackingLedger ledger) {
        this.ledger = ledger;
    }

    /** The median duration of recent actions of this type, or null when too few have been seen. */
    public Duration median(String actionType) {
        return actionType == null ? null : medians.get(actionType);
    }

    /** Reads the medians again when the last read is older than {@link #REFRESH}. */
    void refreshIfDue() {
        Instant now = Instant.now();
        if (refreshedAt == null || refreshedAt.plus(REFRESH).isBefore(now)) {
            refresh();
            refreshedAt = now;
        }
    }

    /** Reads the medians again now (the loop does so once a minute). */
    public void refresh() {
        medians = Map.copyOf(ledger.observedDurations(WINDOW, MIN_SAMPLES));
    }
}
