package dev.dropletworker.simulator;

/**
 * One token's most accepted requests in any sliding minute and any sliding hour, exact to the
 * millisecond of the simulator clock: a request made at {@code t} counts in every window
 * {@code (s - length, s]} with {@code t <= s < t + length}, so the busiest window always ends at
 * a request, and checking the counts as each one arrives finds the peak. Counted apart from
 * {@link RateLimiter}, so the peaks check the limiter rather than repeat it.
 *
 * <p>Keeps (millisecond, count) pairs of the last hour only: at most 3,600,000 pairs however fast
 * requests come. Not thread-safe; {@link RateLimiter} calls it under the token's lock.
 */
final class WindowPeaks {

    static final long MINUTE_MS = 60_000;
    static final long HOUR_MS = 3_600_000;

    /** What accounting reports for one token. */
    record Snapshot(long accepted, long tooManyRequests, long peakMinute, long peakHour) {
    }

    private long[] times = new long[16];
    private int[] counts = new int[16];
    // Absolute positions; an entry lives at position & (capacity - 1). The minute's entries are a
    // suffix of the hour's: hourStart <= minuteStart <= end.
    private long hourStart;
    private long minuteStart;
    private long end;
    private long inHour;
    private long inMinute;
    private long peakMinute;
    private long peakHour;
    private long accepted;
    private long tooManyRequests;

    /** A request counted by the limiter at {@code nowMillis}. */
    void accepted(long nowMillis) {
        long now = nowMillis;
        if (end > hourStart) {
            // Event loops read the clock before taking the lock: a request may arrive a
            // millisecond "earlier" than the one before it. It counts at the later time.
            now = Math.max(now, times[slot(end - 1)]);
        }
        while (minuteStart < end && times[slot(minuteStart)] <= now - MINUTE_MS) {
            inMinute -= counts[slot(minuteStart)];
            minuteStart++;
        }
        while (hourStart < end && times[slot(hourStart)] <= now - HOUR_MS) {
            inHour -= counts[slot(hourStart)];
            hourStart++;
        }
        if (end > minuteStart && times[slot(end - 1)] == now) {
            counts[slot(end - 1)]++;
        } else {
            if (end - hourStart == times.length) {
                grow();
            }
            times[slot(end)] = now;
            counts[slot(end)] = 1;
            end++;
        }
        inMinute++;
        inHour++;
        accepted++;
        peakMinute = Math.max(peakMinute, inMinute);
        peakHour = Math.max(peakHour, inHour);
    }

    /** A request the limiter refused with 429. */
    void refused() {
        tooManyRequests++;
    }

    Snapshot snapshot() {
        return new Snapshot(accepted, tooManyRequests, peakMinute, peakHour);
    }

    /** (millisecond, count) pairs kept; for the memory bound's test. */
    long retained() {
        return end - hourStart;
    }

    private void grow() {
        long[] newTimes = new long[times.length * 2];
        int[] newCounts = new int[counts.length * 2];
        int newMask = newTimes.length - 1;
        for (long p = hourStart; p < end; p++) {
            newTimes[(int) (p & newMask)] = times[slot(p)];
            newCounts[(int) (p & newMask)] = counts[slot(p)];
        }
        times = newTimes;
        counts = newCounts;
    }

    private int slot(long position) {
        return (int) (position & (times.length - 1));
    }
}
