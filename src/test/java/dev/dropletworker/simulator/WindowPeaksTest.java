package dev.dropletworker.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sliding-window peaks are exact, and memory stays within the last hour. */
class WindowPeaksTest {

    @Test
    void peaksMatchABruteForceCountOverEveryWindow() {
        Random random = new Random(42);
        for (int run = 0; run < 10; run++) {
            List<Long> times = new ArrayList<>();
            long t = 0;
            for (int i = 0; i < 2000; i++) {
                // Bursts in one millisecond, gaps of seconds to many minutes.
                int kind = random.nextInt(10);
                t += kind < 4 ? 0 : kind < 8 ? random.nextInt(2000) : random.nextInt(900_000);
                times.add(t);
            }
            WindowPeaks peaks = new WindowPeaks();
            times.forEach(peaks::accepted);

            WindowPeaks.Snapshot s = peaks.snapshot();
            assertEquals(bruteForce(times, WindowPeaks.MINUTE_MS), s.peakMinute(), "run " + run);
            assertEquals(bruteForce(times, WindowPeaks.HOUR_MS), s.peakHour(), "run " + run);
            assertEquals(times.size(), s.accepted());
        }
    }

    @Test
    void windowsAreHalfOpenToTheMillisecond() {
        WindowPeaks peaks = new WindowPeaks();
        peaks.accepted(0);
        peaks.accepted(59_999);
        assertEquals(2, peaks.snapshot().peakMinute(), "59.999 s apart: one minute holds both");
        peaks.accepted(119_999);
        assertEquals(2, peaks.snapshot().peakMinute(), "exactly 60 s after the second: it has left");
        peaks.accepted(3_599_999);
        assertEquals(4, peaks.snapshot().peakHour());
        peaks.accepted(3_600_000);
        assertEquals(4, peaks.snapshot().peakHour(), "the first left the hour as the fifth came");
    }

    @Test
    void aRequestSeenOutOfOrderCountsAtTheLaterTime() {
        WindowPeaks peaks = new WindowPeaks();
        peaks.accepted(60_000);
        peaks.accepted(59_999);
        peaks.accepted(119_999);
        assertEquals(3, peaks.snapshot().peakMinute());
    }

    @Test
    void memoryIsBoundedByTheLastHourWhateverTheRate() {
        WindowPeaks peaks = new WindowPeaks();
        // Two hours of five requests every millisecond.
        for (long ms = 0; ms < 2 * WindowPeaks.HOUR_MS; ms++) {
            for (int i = 0; i < 5; i++) {
                peaks.accepted(ms);
            }
        }
        assertTrue(peaks.retained() <= WindowPeaks.HOUR_MS, "kept " + peaks.retained());
        assertEquals(5 * WindowPeaks.MINUTE_MS, peaks.snapshot().peakMinute());
        assertEquals(5 * WindowPeaks.HOUR_MS, peaks.snapshot().peakHour());
    }

    /** For every request, count the requests in the window that ends at it. */
    private static long bruteForce(List<Long> times, long length) {
        long best = 0;
        for (long end : times) {
            long n = 0;
            for (long t : times) {
                if (t > end - length && t <= end) {
                    n++;
                }
            }
            best = Math.max(best, n);
        }
        return best;
    }
}
