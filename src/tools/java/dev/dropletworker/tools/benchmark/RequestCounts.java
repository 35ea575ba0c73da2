package dev.dropletworker.tools.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.simulator.SimulatorControl;
import java.util.Map;
import java.util.TreeMap;

/**
 * One token's API requests as the simulator counted them up to a moment, by
 * {@code "METHOD /endpoint status"}. The simulator's counts only grow, so the requests of a time
 * span are the difference of the counts taken at its two ends.
 */
record RequestCounts(Map<String, Long> byEndpoint) {

    static RequestCounts of(SimulatorControl simulator, String tokenLabel) {
        Map<String, Long> counts = new TreeMap<>();
        for (JsonNode row : simulator.accounting().path("requests")) {
            if (row.path("token").asText().equals(tokenLabel)) {
                counts.merge(row.path("method").asText() + " " + row.path("endpoint").asText() + " "
                        + row.path("status").asInt(), row.path("count").asLong(), Long::sum);
            }
        }
        return new RequestCounts(counts);
    }

    static RequestCounts none() {
        return new RequestCounts(Map.of());
    }

    /** The requests made after {@code earlier} was counted. */
    RequestCounts since(RequestCounts earlier) {
        Map<String, Long> counts = new TreeMap<>();
        byEndpoint.forEach((key, n) -> {
            long d = n - earlier.byEndpoint.getOrDefault(key, 0L);
            if (d != 0) {
                counts.put(key, d);
            }
        });
        return new RequestCounts(counts);
    }

    RequestCounts plus(RequestCounts other) {
        Map<String, Long> counts = new TreeMap<>(byEndpoint);
        other.byEndpoint.forEach((key, n) -> counts.merge(key, n, Long::sum));
        return new RequestCounts(counts);
    }

    long total() {
        return byEndpoint.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Requests answered with this status, on any endpoint. */
    long withStatus(int status) {
        String suffix = " " + status;
        return byEndpoint.entrySet().stream().filter(e -> e.getKey().endsWith(suffix))
                .mapToLong(Map.Entry::getValue).sum();
    }

    /** Requests to one endpoint ({@code "POST /v2/droplets/{id}/actions"}), answered with this status. */
    long of(String endpoint, int status) {
        return byEndpoint.getOrDefault(endpoint + " " + status, 0L);
    }
}
