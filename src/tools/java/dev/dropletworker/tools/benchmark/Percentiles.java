package dev.dropletworker.tools.benchmark;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Nearest-rank percentiles of a set of durations in milliseconds. */
final class Percentiles {

    private final List<Double> sorted;

    Percentiles(Collection<Double> values) {
        this.sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
    }

    int count() {
        return sorted.size();
    }

    /** The value at or below which {@code p} percent of them lie; -1 when there are none. */
    double at(double p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank)));
    }

    /** {@code n}, p50, p90, p99 and max, rounded to 0.1 ms: what the report prints for a latency. */
    Map<String, Object> summary() {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("n", count());
        summary.put("p50_ms", round(at(50)));
        summary.put("p90_ms", round(at(90)));
        summary.put("p99_ms", round(at(99)));
        summary.put("max_ms", round(at(100)));
        return summary;
    }

    private static double round(double millis) {
        return Math.round(millis * 10) / 10.0;
    }
}
