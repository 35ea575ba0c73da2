package dev.dropletworker.simulator;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * DigitalOcean's per-token limits: a sliding hour (5,000 by default) and a sliding minute burst
 * limit (250). Each counted request stays in a window for exactly that long after it was made, to
 * the millisecond, so capacity frees up gradually rather than at the top of the hour.
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
        synchronized (w) {
            w.advanceTo(nowMillis);
            if (w.minute.size() >= minute) {
                w.peaks.refused();
                // The request that frees the first place leaves the minute this many seconds from now.
                long frees = w.minute.at(w.minute.size() - minute) + Window.MINUTE_MS;
                long retryAfter = Math.max(1, (frees - nowMillis + 999) / 1000);
                return new Decision(false, hourly, 0, w.resetEpochSeconds(), retryAfter);
            }
            if (w.hour.size() >= hourly) {
                w.peaks.refused();
                return new Decision(false, hourly, 0, w.resetEpochSeconds(), 0);
            }
            w.count();
            w.peaks.accepted(nowMillis);
            // The API reports 0 while the burst limit is exhausted, even with hourly quota left.
            int remaining = w.minute.size() >= minute ? 0 : Math.max(0, hourly - w.hour.size());
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

    /**
     * The counted requests of the last minute and of the last hour, each kept by the millisecond it
     * was made: a request counts in {@code (t − window, t]}, exactly, so no client gets more than
     * the limit into any sliding window, however its requests fall around a second's edge.
     */
    private static final class Window {
        static final long MINUTE_MS = 60_000;
        static final long HOUR_MS = 3_600_000;

        final Times minute = new Times();
        final Times hour = new Times();
        final WindowPeaks peaks = new WindowPeaks();
        /** The latest time seen: a request whose clock read a little earlier counts at this one. */
        private long now = Long.MIN_VALUE;

        void advanceTo(long millis) {
            now = Math.max(now, millis);
            minute.dropUpTo(now - MINUTE_MS);
            hour.dropUpTo(now - HOUR_MS);
        }

        void count() {
            minute.add(now);
            hour.add(now);
        }

        /** When the oldest counted request expires: the {@code ratelimit-reset} header. */
        long resetEpochSeconds() {
            return hour.size() == 0 ? Math.floorDiv(now, 1000) : Math.floorDiv(hour.at(0), 1000) + HOUR_MS / 1000;
        }
    }

    /** Request times in the order they were counted: a growable ring of longs. */
    private static final class Times {
        private long[] ring = new long[256];
        private int head;
        private int size;

        int size() {
            return size;
        }

        long at(int i) {
            return ring[(head + i) % ring.length];
        }

        void add(long millis) {
            if (size == ring.length) {
                long[] bigger = new long[ring.length * 2];
                for (int i = 0; i < size; i++) {
                    bigger[i] = at(i);
                }
                ring = bigger;
                head = 0;
            }
            ring[(head + size) % ring.length] = millis;
            size++;
        }

        /** Forgets the requests made at or before {@code millis}: they have left the window. */
        void dropUpTo(long millis) {
            while (size > 0 && ring[head] <= millis) {
                head = (head + 1) % ring.length;
                size--;
            }
        }
    }
}
