package dev.dropletworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * How long each action type stays {@code in-progress}: a default plus overrides per type, each a
 * fixed time or a range that every action draws from uniformly.
 */
record ActionDurations(Range fallback, Map<String, Range> byType) {

    /** From {@code minMs} to {@code maxMs}, both included; one value when they are equal. */
    record Range(long minMs, long maxMs) {

        Range {
            if (minMs < 0 || maxMs < minMs) {
                throw new IllegalArgumentException("a duration range needs 0 <= min_ms <= max_ms, got "
                        + minMs + ".." + maxMs);
            }
        }

        static Range fixed(long millis) {
            return new Range(millis, millis);
        }

        static Range of(Duration min, Duration max) {
            return new Range(min.toMillis(), max.toMillis());
        }

        long draw(Random random) {
            return minMs == maxMs ? minMs : minMs + random.nextLong(maxMs - minMs + 1);
        }

        /** A plain number when fixed, so the old form reads back as it was written. */
        Object toJson() {
            if (minMs == maxMs) {
                return minMs;
            }
            Map<String, Long> range = new LinkedHashMap<>();
            range.put("min_ms", minMs);
            range.put("max_ms", maxMs);
            return range;
        }
    }

    ActionDurations {
        byType = Map.copyOf(byType);
    }

    Range of(ActionType type) {
        return byType.getOrDefault(type.wireName, fallback);
    }

    /** One action's duration in milliseconds. */
    long draw(ActionType type, Random random) {
        return of(type).draw(random);
    }

    /**
     * {@code {"default":300,"create":500,"reboot":{"min_ms":10000,"max_ms":30000}}} in milliseconds;
     * types not named keep their duration.
     */
    ActionDurations merge(JsonNode patch) {
        if (!patch.isObject()) {
            throw new IllegalArgumentException("action durations must be a JSON object of milliseconds");
        }
        Range newFallback = fallback;
        Map<String, Range> merged = new HashMap<>(byType);
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            Range range = range(field.getKey(), field.getValue());
            if (field.getKey().equals("default")) {
                newFallback = range;
            } else if (ActionType.of(field.getKey()) != null) {
                merged.put(field.getKey(), range);
            } else {
                throw new IllegalArgumentException("unknown action type: " + field.getKey());
            }
        }
        return new ActionDurations(newFallback, merged);
    }

    private static Range range(String name, JsonNode value) {
        if (value.isIntegralNumber() && value.asLong() >= 0) {
            return Range.fixed(value.asLong());
        }
        if (value.isObject() && value.size() == 2 && millis(value.get("min_ms")) && millis(value.get("max_ms"))) {
            return new Range(value.get("min_ms").asLong(), value.get("max_ms").asLong());
        }
        throw new IllegalArgumentException(name + " must be a whole number of milliseconds, 0 or more, or "
                + "{\"min_ms\":ms,\"max_ms\":ms}");
    }

    private static boolean millis(JsonNode value) {
        return value != null && value.isIntegralNumber() && value.asLong() >= 0;
    }

    /** The {@code GET /_sim/action-durations} document: {@code default} first, then by type. */
    Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("default", fallback.toJson());
        byType.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.put(e.getKey(), e.getValue().toJson()));
        return out;
    }
}
