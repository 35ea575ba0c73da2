package dev.dropletworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** How long each action type stays {@code in-progress}; a default plus overrides per type. */
record ActionDurations(Duration fallback, Map<String, Duration> byType) {

    ActionDurations {
        byType = Map.copyOf(byType);
    }

    Duration of(ActionType type) {
        return byType.getOrDefault(type.wireName, fallback);
    }

    /** {@code {"default":300,"create":500}} in milliseconds; types not named keep their duration. */
    ActionDurations merge(JsonNode patch) {
        if (!patch.isObject()) {
            throw new IllegalArgumentException("action durations must be a JSON object of milliseconds");
        }
        Duration newFallback = fallback;
        Map<String, Duration> merged = new HashMap<>(byType);
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            JsonNode value = field.getValue();
            if (!value.isIntegralNumber() || value.asLong() < 0) {
                throw new IllegalArgumentException(field.getKey() + " must be a whole number of milliseconds, 0 or more");
            }
            Duration duration = Duration.ofMillis(value.asLong());
            if (field.getKey().equals("default")) {
                newFallback = duration;
            } else if (ActionType.of(field.getKey()) != null) {
                merged.put(field.getKey(), duration);
            } else {
                throw new IllegalArgumentException("unknown action type: " + field.getKey());
            }
        }
        return new ActionDurations(newFallback, merged);
    }

    Map<String, Long> toMillis() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("default", fallback.toMillis());
        byType.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.put(e.getKey(), e.getValue().toMillis()));
        return out;
    }
}
