package dev.dropletworker.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The control API under {@code /_sim/}: seeding, outcome and fault control, accounting, the
 * request log, reset and the clock. No authentication, no rate limit, not accounted.
 */
final class AdminHandler implements Handler<HttpServerRequest> {

    private static final Set<String> STATUSES = Set.of("new", "active", "off", "archive");
    private static final Set<String> OUTCOMES = Set.of(Action.COMPLETED, Action.ERRORED);
    private static final Set<String> SEED_FIELDS =
            Set.of("id", "name", "tags", "status", "region", "size", "image", "ipv6");

    private final SimulatorConfig config;
    private final SimulatorClock clock;
    private final DropletStore store;
    private final RateLimiter limiter;
    private final Accounting accounting;
    private final RequestLog requestLog;
    private final AtomicReference<Faults> faults;
    private final FaultScript script;

    /** A malformed control request: 400 with the reason. */
    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    private record Reply(int status, Object body) {
    }

    AdminHandler(SimulatorConfig config, SimulatorClock clock, DropletStore store, RateLimiter limiter,
                 Accounting accounting, RequestLog requestLog, AtomicReference<Faults> faults, FaultScript script) {
        this.config = config;
        this.clock = clock;
        this.store = store;
        this.limiter = limiter;
        this.accounting = accounting;
        this.requestLog = requestLog;
        this.faults = faults;
        this.script = script;
    }

    @Override
    public void handle(HttpServerRequest req) {
        req.body().onComplete(ar -> {
            if (ar.failed()) {
                req.connection().close();
                return;
            }
            Reply reply;
            try {
                reply = route(req, ar.result());
            } catch (BadRequest | IllegalArgumentException e) {
                reply = new Reply(400, Map.of("id", "bad_request", "message", String.valueOf(e.getMessage())));
            } catch (RuntimeException bug) {
                reply = new Reply(500, Map.of("id", "server_error", "message", "simulator bug: " + bug));
            }
            if (reply == null) {
                reply = new Reply(404, Map.of("id", "not_found", "message",
                        "no control endpoint " + req.method() + " " + req.path()));
            }
            if (reply.body == null) {
                req.response().setStatusCode(reply.status).end();
            } else {
                req.response().setStatusCode(reply.status).putHeader("content-type", "application/json")
                        .end(Buffer.buffer(ApiHandler.bytes(reply.body)));
            }
        });
    }

    private Reply route(HttpServerRequest req, Buffer raw) {
        String method = req.method().name();
        String[] path = req.path().substring("/_sim/".length()).split("/");
        String resource = path[0];
        if (resource.equals("faults") && path.length > 1) {
            if (path.length != 2 || !path[1].equals("script")) {
                return null;
            }
            resource = "faults/script";
        }
        switch (method + " " + resource) {
            case "POST droplets" -> {
                if (path.length == 1) {
                    return new Reply(201, Map.of("droplet", seed(body(raw))));
                }
                if (path.length == 3 && path[2].equals("next-action-outcome")) {
                    long id = parseId(path[1]);
                    if (!store.nextActionOutcome(id, outcome(body(raw)))) {
                        return new Reply(404, Map.of("id", "not_found", "message", "no Droplet " + id));
                    }
                    return new Reply(204, null);
                }
                return null;
            }
            case "POST next-create-outcome" -> {
                store.nextCreateOutcome(outcome(body(raw)));
                return new Reply(204, null);
            }
            case "GET faults" -> {
                return new Reply(200, faults.get());
            }
            case "PUT faults", "PATCH faults" -> {
                JsonNode patch = body(raw);
                faults.updateAndGet(current -> current.merge(patch));
                return new Reply(204, null);
            }
            case "POST faults/script" -> {
                script.append(json(raw));
                return new Reply(200, Map.of("script", script.remaining()));
            }
            case "GET faults/script" -> {
                return new Reply(200, Map.of("script", script.remaining()));
            }
            case "DELETE faults/script" -> {
                script.clear();
                return new Reply(204, null);
            }
            case "GET action-durations" -> {
                return new Reply(200, store.durations().toJson());
            }
            case "PUT action-durations", "PATCH action-durations" -> {
                JsonNode patch = body(raw);
                store.changeDurations(current -> current.merge(patch));
                return new Reply(204, null);
            }
            case "GET rate-limits" -> {
                return new Reply(200, Map.of("hourly", limiter.hourlyLimit(), "minute", limiter.minuteLimit()));
            }
            case "PUT rate-limits" -> {
                JsonNode body = body(raw);
                limiter.limits(body.path("hourly").asInt(limiter.hourlyLimit()),
                        body.path("minute").asInt(limiter.minuteLimit()));
                return new Reply(204, null);
            }
            case "GET health" -> {
                // For container health checks: answering at all is the news.
                return new Reply(200, Map.of("status", "UP"));
            }
            case "GET accounting" -> {
                return new Reply(200, accounting.report(store.maxInProgressPerDroplet(), limiter.peaks()));
            }
            case "GET requests" -> {
                long since = longParam(req, "since", 0);
                int limit = (int) Math.min(Integer.MAX_VALUE, longParam(req, "limit", Integer.MAX_VALUE));
                return new Reply(200, requestLog.since(since, limit));
            }
            case "POST reset" -> {
                store.reset(config.actionDurations());
                accounting.reset();
                requestLog.reset();
                faults.set(config.faults());
                script.clear();
                limiter.reset();
                limiter.limits(config.hourlyLimit(), config.minuteLimit());
                return new Reply(204, null);
            }
            case "GET clock" -> {
                return new Reply(200, clockBody());
            }
            case "POST clock" -> {
                if (path.length != 2 || !path[1].equals("advance")) {
                    return null;
                }
                JsonNode body = body(raw);
                long millis = body.path("seconds").asLong(0) * 1000 + body.path("millis").asLong(0);
                if (millis < 0) {
                    throw new BadRequest("the clock only moves forward");
                }
                clock.advance(Duration.ofMillis(millis));
                return new Reply(200, clockBody());
            }
            default -> {
                return null;
            }
        }
    }

    private Map<String, Object> clockBody() {
        return Map.of("now", clock.now().toString(), "epoch_millis", clock.millis());
    }

    private Droplet seed(JsonNode body) {
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            if (!SEED_FIELDS.contains(field.getKey())) {
                unknown.add(field.getKey());
            }
        }
        if (!unknown.isEmpty()) {
            throw new BadRequest("unknown fields " + unknown + "; a seeded Droplet takes " + SEED_FIELDS);
        }
        Long id = null;
        if (body.hasNonNull("id")) {
            if (!body.get("id").isIntegralNumber() || body.get("id").asLong() < 1) {
                throw new BadRequest("id must be a positive integer");
            }
            id = body.get("id").asLong();
        }
        String status = body.path("status").asText("active");
        if (!STATUSES.contains(status)) {
            throw new BadRequest("status must be one of " + STATUSES);
        }
        List<String> tags = new ArrayList<>();
        body.path("tags").forEach(tag -> tags.add(tag.asText()));
        JsonNode image = body.hasNonNull("image") ? body.get("image") : TextNode.valueOf("ubuntu-24-04-x64");
        return store.seed(id, body.hasNonNull("name") ? body.get("name").asText() : null, status,
                body.hasNonNull("region") ? body.get("region").asText() : Region.DEFAULT_SLUG,
                body.path("size").asText("s-1vcpu-1gb"), image, tags, body.path("ipv6").asBoolean(false));
    }

    private static String outcome(JsonNode body) {
        String status = body.path("status").asText();
        if (!OUTCOMES.contains(status)) {
            throw new BadRequest("status must be completed or errored");
        }
        return status;
    }

    private static JsonNode body(Buffer raw) {
        JsonNode node = json(raw);
        if (!node.isObject()) {
            throw new BadRequest("a JSON object body is required");
        }
        return node;
    }

    private static JsonNode json(Buffer raw) {
        if (raw == null || raw.length() == 0) {
            throw new BadRequest("a JSON body is required");
        }
        try {
            JsonNode node = ApiHandler.JSON.readTree(raw.getBytes());
            if (node == null) {
                throw new BadRequest("a JSON body is required");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new BadRequest("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest("the body cannot be read: " + e.getMessage());
        }
    }

    private static long parseId(String segment) {
        try {
            return Long.parseLong(segment);
        } catch (NumberFormatException e) {
            throw new BadRequest("not a Droplet id: " + segment);
        }
    }

    private static long longParam(HttpServerRequest req, String name, long fallback) {
        String value = req.getParam(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new BadRequest(name + " must be a whole number");
        }
    }
}
