package dev.dropletworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Injected misbehaviour, as {@code GET/PUT /_sim/faults} shows it. Rates are probabilities per API
 * request; {@code endpoints}, when not empty, limits the request faults to those endpoints
 * (written {@code "GET /v2/actions/{id}"}).
 *
 * @param appliedButLostResponse what the client gets when a request took effect but its response
 *        is lost: {@code server_error} (a 500) or {@code reset} (the connection closes)
 * @param notFoundAfterCreateMs for this long after its create, {@code GET /v2/droplets/{id}}
 *        answers 404 for a new Droplet (the placement lag Terraform's NotFoundChecks cover)
 */
record Faults(double serverErrorRate, double dropConnectionRate, double appliedButLostRate,
              String appliedButLostResponse, Latency latencyMs, long notFoundAfterCreateMs,
              double erroredProbability, List<String> endpoints) {

    static final String LOST_AS_SERVER_ERROR = "server_error";
    static final String LOST_AS_RESET = "reset";

    record Latency(long fixed, long jitter) {
    }

    static Faults none() {
        return new Faults(0, 0, 0, LOST_AS_SERVER_ERROR, new Latency(0, 0), 0, 0, List.of());
    }

    boolean targets(Endpoint endpoint) {
        return endpoints.isEmpty() || endpoints.contains(endpoint.label());
    }

    boolean delaysResponses() {
        return latencyMs.fixed > 0 || latencyMs.jitter > 0;
    }

    boolean disturbsRequests() {
        return serverErrorRate > 0 || dropConnectionRate > 0 || appliedButLostRate > 0;
    }

    /** Fields absent from {@code patch} keep their value; an unknown field or a bad value is refused. */
    Faults merge(JsonNode patch) {
        if (!patch.isObject()) {
            throw new IllegalArgumentException("faults must be a JSON object");
        }
        double serverError = serverErrorRate;
        double drop = dropConnectionRate;
        double lost = appliedButLostRate;
        String lostAs = appliedButLostResponse;
        long fixed = latencyMs.fixed;
        long jitter = latencyMs.jitter;
        long notFound = notFoundAfterCreateMs;
        double errored = erroredProbability;
        List<String> targets = endpoints;
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            JsonNode value = field.getValue();
            switch (field.getKey()) {
                case "server_error_rate" -> serverError = rate(field.getKey(), value);
                case "drop_connection_rate" -> drop = rate(field.getKey(), value);
                case "applied_but_lost_rate" -> lost = rate(field.getKey(), value);
                case "errored_probability" -> errored = rate(field.getKey(), value);
                case "applied_but_lost_response" -> {
                    if (!value.isTextual() || !List.of(LOST_AS_SERVER_ERROR, LOST_AS_RESET).contains(value.asText())) {
                        throw new IllegalArgumentException("applied_but_lost_response must be server_error or reset");
                    }
                    lostAs = value.asText();
                }
                case "latency_ms" -> {
                    if (value.isIntegralNumber()) {
                        fixed = millis("latency_ms", value);
                        jitter = 0;
                    } else if (value.isObject()) {
                        for (Map.Entry<String, JsonNode> part : value.properties()) {
                            switch (part.getKey()) {
                                case "fixed" -> fixed = millis("latency_ms.fixed", part.getValue());
                                case "jitter" -> jitter = millis("latency_ms.jitter", part.getValue());
                                default -> throw new IllegalArgumentException(
                                        "latency_ms takes fixed and jitter, not " + part.getKey());
                            }
                        }
                    } else {
                        throw new IllegalArgumentException("latency_ms must be {\"fixed\":ms,\"jitter\":ms}");
                    }
                }
                case "not_found_after_create_ms" -> notFound = millis(field.getKey(), value);
                case "endpoints" -> targets = endpointLabels(value);
                default -> throw new IllegalArgumentException("unknown fault setting: " + field.getKey());
            }
        }
        return new Faults(serverError, drop, lost, lostAs, new Latency(fixed, jitter), notFound, errored, targets);
    }

    private static double rate(String name, JsonNode value) {
        if (!value.isNumber() || value.asDouble() < 0 || value.asDouble() > 1) {
            throw new IllegalArgumentException(name + " must be a number from 0 to 1");
        }
        return value.asDouble();
    }

    private static long millis(String name, JsonNode value) {
        if (!value.isIntegralNumber() || value.asLong() < 0) {
            throw new IllegalArgumentException(name + " must be a whole number of milliseconds, 0 or more");
        }
        return value.asLong();
    }

    private static List<String> endpointLabels(JsonNode value) {
        if (!value.isArray()) {
            throw new IllegalArgumentException("endpoints must be an array such as [\"POST /v2/droplets\"]");
        }
        List<String> labels = new ArrayList<>();
        for (JsonNode item : value) {
            String label = item.asText();
            if (Endpoint.byLabel(label) == null) {
                throw new IllegalArgumentException("unknown endpoint '" + label + "'; known: " + Endpoint.labels());
            }
            labels.add(label);
        }
        return List.copyOf(labels);
    }
}
