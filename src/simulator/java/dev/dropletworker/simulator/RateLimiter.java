package dev.dropletworker.simulator;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * DigitalOcean's per-token limits: a sliding hour (5,000 by default) and a sliding minute burst
 * limit (250). Each counted request stays in a window for exactly that long after it was made,
 * at one-second resolution, so capacity frees up gradually rather than at the top of the hour.
 * Refused requests are not counted, otherwise a client that keeps retrying would never recover.
 */
final class RateLimiter {

    /**
     * What one request gets: the three {@code ratelimit-*} header values, and for a 429 whether it
     * was the burst limit, which alone carries {@code retry-after}.
     */
    record Decision(boolean allowed, int limit, int remaining, long resetEpochSeconds, long retryAfterSeconds) {
    }

    private volatile int hourlyLimit;
    private volatile int minuteLimit;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    RateLimiter(int hourlyLimit, int minuteLimit) {
        limits(hourlyLimit, minuteLimit);
    }

    void limits(int hourly, int minute) {
        if (hourly < 1 || minute < 1) {
            throw new IllegalArgumentException("rate limits must be at least 1");
        }
        this.hourlyLimit = hourly;
        this.minuteLimit = minute;
    }

    int hourlyLimit() {
        return hourlyLimit;
    }

    int minuteLimit() {
        return minuteLimit;
    }

    void reset() {
        windows.clear();
    }

    /** Counts a request for {@code token} if both windows have room. */
    Decision acquire(String token, long nowMillis) {
        Window w = windows.computeIfAbsent(token, t -> new Window());
        int hourly = hourlyLimit;
        int minute = minuteLimit;
        long second = Math.floorDiv(nowMillis, 1000);
        synchronized (w) {
            w.advanceTo(second);
            if (w.minuteSum >= minute) {
                w.peaks.refused();
                long frees = (w.oldestInMinute() + Window.MINUTE) * 1000;
                long retryAfter = Math.max(1, (frees - nowMillis + 999) / 1000);
                return new Decision(false, hourly, 0, w.resetEpochSeconds(), retryAfter);
            }
            if (w.hourSum >= hourly) {
                w.peaks.refused();
                return new Decision(false, hourly, 0, w.resetEpochSeconds(), 0);
            }
            w.count();
            w.peaks.accepted(nowMillis);
            // The API reports 0 while the burst limit is exhausted, even with hourly quota left.
            int remaining = w.minuteSum >= minute ? 0 : Math.max(0, hourly - w.hourSum);
            return new Decision(true, hourly, remaining, w.resetEpochSeconds(), 0);
        }
    }

    /** Per token label: requests accepted and refused, and the exact sliding-window peaks. */
    Map<String, WindowPeaks.Snapshot> peaks() {
        Map<String, WindowPeaks.Snapshot> out = new TreeMap<>();
        windows.forEach((token, w) -> {
            synchronized (w) {
                out.put(token, w.peaks.snapshot());
            }
        });
        return out;
    }

    /** Headers for a request that is not counted against any token (a 401). */
    Decision uncounted(long nowMillis) {
        int hourly = hourlyLimit;
        return new Decision(true, hourly, hourly, Math.floorDiv(nowMillis, 1000), 0);
    }

    /** Request counts per second over the last hour, in a ring indexed by epoch second. */
    private static final class Window {
        static final int HOUR = 3600;
        static final int MINUTE = 60;

        private final int[] counts = new int[HOUR];
        final WindowPeaks peaks = new WindowPeaks();
        private long current = Long.MIN_VALUE;
        /** No second before this one holds a count; only moves forward. */
        private long oldestCandidate;
        int hourSum;
        int minuteSum;

        void advanceTo(long second) {
            if (current == Long.MIN_VALUE || second - current >= HOUR) {
                Arrays.fill(counts, 0);
                hourSum = 0;
                minuteSum = 0;
                current = second;
                oldestCandidate = second;
                return;
            }
            for (long s = current + 1; s <= second; s++) {
                minuteSum -= counts[slot(s - MINUTE)];
                // Second s reuses the slot of second s - 3600, which leaves the hour window now.
                hourSum -= counts[slot(s)];
                counts[slot(s)] = 0;
            }
            current = Math.max(current, second);
        }

        void count() {
            counts[slot(current)]++;
            hourSum++;
            minuteSum++;
        }

        /** When the oldest counted request expires: the {@code ratelimit-reset} header. */
        long resetEpochSeconds() {
            long s = Math.max(oldestCandidate, current - HOUR + 1);
            while (s < current && counts[slot(s)] == 0) {
                s++;
            }
            oldestCandidate = s;
            return counts[slot(s)] == 0 ? current : s + HOUR;
        }

        long oldestInMinute() {
            long s = current - MINUTE + 1;
            while (s < current && counts[slot(s)] == 0) {
                s++;
            }
            return s;
        }

        private static int slot(long second) {
            return (int) Math.floorMod(second, (long) HOUR);
        }
    }
}
