package dev.dropletworker.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Serves {@code /v2/...} on the Vert.x event loops. Per request: authenticate, count against the
 * token's rate windows, maybe inject a fault, run the operation on {@link DropletStore}, and
 * answer with the API's headers. Nothing here blocks; injected latency is a timer.
 */
final class ApiHandler implements Handler<HttpServerRequest> {

    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("content-type");
    private static final CharSequence JSON_UTF8 = HttpHeaders.createOptimized("application/json; charset=utf-8");
    private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
    private static final CharSequence LIMIT = HttpHeaders.createOptimized("ratelimit-limit");
    private static final CharSequence REMAINING = HttpHeaders.createOptimized("ratelimit-remaining");
    private static final CharSequence RESET = HttpHeaders.createOptimized("ratelimit-reset");
    private static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("retry-after");
    private static final String ANONYMOUS = "anonymous";
    private static final int MAX_PER_PAGE = 200;

    // Response envelopes (§0): singular name for one object, plural plus links and meta for a list.
    record DropletBody(Droplet droplet) {
    }

    record ActionLink(long id, String rel, String href) {
    }

    record ActionLinks(List<ActionLink> actions) {
    }

    record CreatedDroplet(Droplet droplet, ActionLinks links) {
    }

    record CreatedDroplets(List<Droplet> droplets, ActionLinks links) {
    }

    record PageLinks(Map<String, String> pages) {
    }

    record Meta(int total) {
    }

    record DropletList(List<Droplet> droplets, PageLinks links, Meta meta) {
    }

    record ActionBody(Action action) {
    }

    record ActionList(List<Action> actions, PageLinks links, Meta meta) {
    }

    record TagActions(List<Action> actions) {
    }

    record ErrorBody(String id, String message, String requestId) {
    }

    private record Reply(int status, byte[] body) {
    }

    /** What is known about a request once it has been read: enough to answer and account for it. */
    private record Exchange(HttpServerRequest request, String requestId, String method, Endpoint.Match match,
                            String token, JsonNode body, boolean malformedBody) {
        String endpoint() {
            return match == null ? Endpoint.UNMATCHED : match.endpoint().template;
        }
    }

    private final Vertx vertx;
    private final SimulatorClock clock;
    private final BearerTokens tokens;
    private final RateLimiter limiter;
    private final DropletStore store;
    private final Accounting accounting;
    private final RequestLog requestLog;
    private final AtomicReference<Faults> faults;
    private final FaultScript script;
    private final Random random;
    private final Handler<HttpServerRequest> admin;
    private volatile String baseUrl = "";

    ApiHandler(Vertx vertx, SimulatorClock clock, BearerTokens tokens, RateLimiter limiter, DropletStore store,
               Accounting accounting, RequestLog requestLog, AtomicReference<Faults> faults, FaultScript script,
               long seed, Handler<HttpServerRequest> admin) {
        this.vertx = vertx;
        this.clock = clock;
        this.tokens = tokens;
        this.limiter = limiter;
        this.store = store;
        this.accounting = accounting;
        this.requestLog = requestLog;
        this.faults = faults;
        this.script = script;
        this.random = new Random(seed ^ 0x5DEECE66DL);
        this.admin = admin;
    }

    /** Links in bodies (action hrefs, pages) point back at this simulator. */
    void baseUrl(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /**
     * Where the client reached this simulator (its {@code Host} header), so that links work from
     * another container too; the bound address when the header is missing.
     */
    private String linkBase(HttpServerRequest req) {
        String host = req.getHeader("Host");
        return host == null || host.isBlank() ? baseUrl : "http://" + host;
    }

    @Override
    public void handle(HttpServerRequest req) {
        if (req.path().startsWith("/_sim/")) {
            admin.handle(req);
            return;
        }
        HttpMethod method = req.method();
        if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS) {
            serve(req, null);
        } else {
            req.body().onComplete(ar -> {
                if (ar.succeeded()) {
                    serve(req, ar.result());
                } else {
                    req.connection().close();
                }
            });
        }
    }

    private void serve(HttpServerRequest req, Buffer rawBody) {
        long now = clock.millis();
        String method = req.method().name();
        JsonNode body = null;
        boolean malformed = false;
        if (rawBody != null && rawBody.length() > 0) {
            try {
                body = JSON.readTree(rawBody.getBytes());
            } catch (IOException e) {
                malformed = true;
            }
        }
        String token = tokens.label(req.getHeader(HttpHeaders.AUTHORIZATION));
        Exchange ex = new Exchange(req, requestId(), method, Endpoint.match(method, req.path()), token, body, malformed);

        if (token == null) {
            send(ex, limiter.uncounted(now), error(ex, ApiError.UNAUTHORIZED.failure()));
            return;
        }
        RateLimiter.Decision rate = limiter.acquire(token, now);
        if (!rate.allowed()) {
            send(ex, rate, error(ex, ApiError.TOO_MANY_REQUESTS.failure()));
            return;
        }
        Faults f = faults.get();
        FaultScript.Step step = ex.match == null || !script.armed() ? null : script.take(
                new FaultScript.Request(ex.match.endpoint(), ex.match.id(), req.getParam("tag_name"), body));
        if (step != null) {
            accounting.scriptedFault(step.kind());
            if (!step.kind().applied) {
                if (step.kind().drop) {
                    drop(ex, step.kind().wireName);
                } else {
                    send(ex, rate, error(ex, step.answer()), step.kind().wireName);
                }
                return;
            }
        }
        // A request that took a scripted step gets nothing else: the script says exactly what happens.
        boolean targeted = step == null && ex.match != null && f.disturbsRequests() && f.targets(ex.match.endpoint());
        if (targeted && roll(f.dropConnectionRate())) {
            accounting.fault(Accounting.Fault.DROPPED_CONNECTION);
            drop(ex, Accounting.Fault.DROPPED_CONNECTION.key);
            return;
        }
        if (targeted && roll(f.serverErrorRate())) {
            accounting.fault(Accounting.Fault.SERVER_ERROR);
            send(ex, rate, error(ex, ApiError.SERVER_ERROR.failure()), Accounting.Fault.SERVER_ERROR.key);
            return;
        }
        Reply reply;
        try {
            reply = execute(ex, f, step);
        } catch (ApiFailure failure) {
            if (failure.eventConflict()) {
                accounting.eventConflict(ex.match.endpoint(), failure.busyDroplets);
            }
            reply = error(ex, failure);
        } catch (RuntimeException bug) {
            // Answer rather than leave the client hanging; the message makes the bug visible in tests.
            reply = error(ex, ApiError.SERVER_ERROR.failure("simulator bug: " + bug));
        }
        // The trap behind duplicate Droplets: the change is made, but the client cannot know it.
        if (step != null) {
            if (step.kind().drop) {
                drop(ex, step.kind().wireName);
                return;
            }
            send(ex, rate, error(ex, step.answer()), step.kind().wireName);
            return;
        }
        if (targeted && reply.status < 300 && ex.match.endpoint().mutating() && roll(f.appliedButLostRate())) {
            accounting.fault(Accounting.Fault.APPLIED_BUT_LOST);
            if (f.appliedButLostResponse().equals(Faults.LOST_AS_RESET)) {
                drop(ex, Accounting.Fault.APPLIED_BUT_LOST.key);
                return;
            }
            reply = error(ex, ApiError.SERVER_ERROR.failure());
            send(ex, rate, reply, Accounting.Fault.APPLIED_BUT_LOST.key);
            return;
        }
        send(ex, rate, reply, null);
    }

    /** Runs the operation; a {@code partial_create} step limits a create to its first names. */
    private Reply execute(Exchange ex, Faults f, FaultScript.Step step) {
        Endpoint.Match m = ex.match;
        if (m == null || !m.idsValid()) {
            throw ApiFailure.notFound();
        }
        HttpServerRequest req = ex.request;
        return switch (m.endpoint()) {
            case LIST_DROPLETS -> listDroplets(req);
            case CREATE_DROPLETS -> createDroplets(req, requireObject(ex), f, step != null
                    && step.kind() == FaultScript.Kind.PARTIAL_CREATE ? step.count() : CreateRequest.MAX_NAMES);
            case GET_DROPLET -> getDroplet(m.id());
            case LIST_DROPLET_ACTIONS -> {
                int[] page = pagination(req);
                DropletStore.Page<Action> actions = store.dropletActions(m.id(), page[0], page[1])
                        .orElseThrow(ApiFailure::notFound);
                yield ok(200, new ActionList(actions.items(), links(req, page, actions.total()), new Meta(actions.total())));
            }
            case POST_DROPLET_ACTION -> {
                JsonNode body = requireObject(ex);
                ActionType type = ActionType.parse(body, false);
                yield ok(201, new ActionBody(store.startAction(m.id(), type, body)));
            }
            case POST_TAG_ACTION -> {
                String tag = req.getParam("tag_name");
                if (tag == null || tag.isBlank()) {
                    throw ApiFailure.unprocessable("tag_name is required");
                }
                JsonNode body = requireObject(ex);
                ActionType type = ActionType.parse(body, true);
                yield ok(201, new TagActions(store.startTagAction(tag, type, body)));
            }
            case GET_DROPLET_ACTION -> ok(200, new ActionBody(
                    store.dropletAction(m.id(), m.actionId()).orElseThrow(ApiFailure::notFound)));
            case LIST_ACTIONS -> {
                int[] page = pagination(req);
                DropletStore.Page<Action> actions = store.actions(page[0], page[1]);
                yield ok(200, new ActionList(actions.items(), links(req, page, actions.total()), new Meta(actions.total())));
            }
            case GET_ACTION -> ok(200, new ActionBody(store.action(m.id()).orElseThrow(ApiFailure::notFound)));
        };
    }

    private Reply getDroplet(long id) {
        DropletStore.Lookup lookup = store.droplet(id);
        if (lookup.hiddenAfterCreate()) {
            accounting.fault(Accounting.Fault.NOT_FOUND_AFTER_CREATE);
            throw ApiFailure.notFound();
        }
        if (lookup.droplet() == null) {
            throw ApiFailure.notFound();
        }
        return ok(200, new DropletBody(lookup.droplet()));
    }

    private Reply listDroplets(HttpServerRequest req) {
        String tagName = req.getParam("tag_name");
        String name = req.getParam("name");
        String type = req.getParam("type");
        // Stated only in the spec's prose: tag_name cannot be combined with name or type.
        if (tagName != null && (name != null || type != null)) {
            throw ApiFailure.unprocessable("tag_name cannot be combined with name or type");
        }
        if (type != null && !type.equals("droplets") && !type.equals("gpus")) {
            throw ApiFailure.unprocessable("type must be droplets or gpus");
        }
        int[] page = pagination(req);
        DropletStore.Page<Droplet> droplets = store.droplets(
                new DropletStore.DropletFilter(tagName, name, "gpus".equals(type)), page[0], page[1]);
        return ok(200, new DropletList(droplets.items(), links(req, page, droplets.total()), new Meta(droplets.total())));
    }

    private Reply createDroplets(HttpServerRequest req, JsonNode body, Faults f, int maxNames) {
        CreateRequest request = CreateRequest.parse(body).firstNames(maxNames);
        DropletStore.Created created = store.create(request, f.notFoundAfterCreateMs());
        accounting.dropletsCreated(request.tags(), created.droplets().size());
        if (created.droplets().isEmpty()) {
            // Only a partial_create of none gets here, and its answer is lost anyway.
            return ok(202, new CreatedDroplets(List.of(), new ActionLinks(List.of())));
        }
        List<ActionLink> links = created.actions().stream()
                .map(a -> new ActionLink(a.id(), "create", linkBase(req) + "/v2/actions/" + a.id())).toList();
        return request.multi()
                ? ok(202, new CreatedDroplets(created.droplets(), new ActionLinks(links)))
                : ok(202, new CreatedDroplet(created.droplets().get(0), new ActionLinks(links)));
    }

    private static JsonNode requireObject(Exchange ex) {
        if (ex.malformedBody) {
            throw ApiError.BAD_REQUEST.failure();
        }
        if (ex.body == null) {
            throw ApiFailure.unprocessable("a JSON request body is required");
        }
        if (!ex.body.isObject()) {
            throw ApiFailure.unprocessable("the request body must be a JSON object");
        }
        return ex.body;
    }

    /** {@code page} (from 1) and {@code per_page} (1 to 200, default 20). */
    private static int[] pagination(HttpServerRequest req) {
        int page = intParam(req, "page", 1, Integer.MAX_VALUE, "page must be a whole number of 1 or more");
        int perPage = intParam(req, "per_page", 20, MAX_PER_PAGE, "per_page must be a whole number from 1 to 200");
        return new int[] {page, perPage};
    }

    private static int intParam(HttpServerRequest req, String name, int fallback, int max, String message) {
        String value = req.getParam(name);
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n < 1 || n > max) {
                throw ApiFailure.unprocessable(message);
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiFailure.unprocessable(message);
        }
    }

    /** Only the links that make sense for this page: first and prev after page 1, next and last before the end. */
    private PageLinks links(HttpServerRequest req, int[] pagination, int total) {
        int page = pagination[0];
        int perPage = pagination[1];
        int last = Math.max(1, (total + perPage - 1) / perPage);
        StringBuilder filters = new StringBuilder();
        for (String name : List.of("tag_name", "name", "type")) {
            String value = req.getParam(name);
            if (value != null) {
                filters.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        }
        String prefix = linkBase(req) + req.path() + "?page=";
        String suffix = "&per_page=" + perPage + filters;
        Map<String, String> pages = new LinkedHashMap<>();
        if (page > 1) {
            pages.put("first", prefix + 1 + suffix);
            pages.put("prev", prefix + Math.min(page - 1, last) + suffix);
        }
        if (page < last) {
            pages.put("next", prefix + (page + 1) + suffix);
            pages.put("last", prefix + last + suffix);
        }
        return new PageLinks(pages);
    }

    private static Reply ok(int status, Object body) {
        return new Reply(status, bytes(body));
    }

    private static Reply error(Exchange ex, ApiFailure failure) {
        return new Reply(failure.error.status,
                bytes(new ErrorBody(failure.error.id, failure.getMessage(), ex.requestId)));
    }

    static byte[] bytes(Object body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + body.getClass().getSimpleName(), e);
        }
    }

    private boolean roll(double rate) {
        return rate > 0 && random.nextDouble() < rate;
    }

    private void send(Exchange ex, RateLimiter.Decision rate, Reply reply) {
        send(ex, rate, reply, null);
    }

    /** {@code fault} names the injected fault that made this answer, for the request log. */
    private void send(Exchange ex, RateLimiter.Decision rate, Reply reply, String fault) {
        account(ex, reply.status, fault);
        HttpServerResponse resp = ex.request.response();
        resp.setStatusCode(reply.status)
                .putHeader(CONTENT_TYPE, JSON_UTF8)
                .putHeader(REQUEST_ID, ex.requestId)
                .putHeader(LIMIT, Integer.toString(rate.limit()))
                .putHeader(REMAINING, Integer.toString(rate.remaining()))
                .putHeader(RESET, Long.toString(rate.resetEpochSeconds()));
        if (rate.retryAfterSeconds() > 0) {
            resp.putHeader(RETRY_AFTER, Long.toString(rate.retryAfterSeconds()));
        }
        Buffer payload = Buffer.buffer(reply.body);
        later(ex, () -> resp.end(payload));
    }

    /** Closes the connection without answering: the client sees a reset or an empty reply. */
    private void drop(Exchange ex, String fault) {
        account(ex, 0, fault);
        later(ex, () -> ex.request.connection().close());
    }

    private void later(Exchange ex, Runnable action) {
        Faults f = faults.get();
        long delay = 0;
        if (f.delaysResponses() && ex.match != null && f.targets(ex.match.endpoint())) {
            delay = f.latencyMs().fixed()
                    + (f.latencyMs().jitter() > 0 ? ThreadLocalRandom.current().nextLong(f.latencyMs().jitter() + 1) : 0);
        }
        if (delay > 0) {
            vertx.setTimer(delay, id -> action.run());
        } else {
            action.run();
        }
    }

    private void account(Exchange ex, int status, String fault) {
        String token = ex.token == null ? ANONYMOUS : ex.token;
        accounting.request(token, ex.method, ex.endpoint(), status);
        String query = ex.request.query();
        requestLog.append(Timestamps.format(Instant.ofEpochMilli(clock.millis())), ex.method, ex.request.path(),
                query == null ? "" : query, ex.endpoint(), status, token, ex.requestId, redacted(ex.body), fault,
                ex.request.getHeader("traceparent"));
    }

    /** user_data can hold secrets and up to 64 KiB: the log keeps only its size. */
    private static JsonNode redacted(JsonNode body) {
        if (body == null || !body.has("user_data")) {
            return body;
        }
        ObjectNode copy = ((ObjectNode) body).deepCopy();
        copy.put("user_data", "<" + body.get("user_data").asText().getBytes(StandardCharsets.UTF_8).length + " bytes>");
        return copy;
    }

    /** A version-4 UUID without SecureRandom, which would contend across event loops. */
    private static String requestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
