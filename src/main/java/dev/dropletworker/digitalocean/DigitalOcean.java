package dev.dropletworker.digitalocean;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropletworker.budget.BudgetExhausted;
import dev.dropletworker.budget.BudgetLeft;
import dev.dropletworker.budget.RateBudget;
import dev.dropletworker.budget.RateBudget.Purpose;
import dev.dropletworker.budget.RateLimitSnapshot;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

/**
 * The one door to the DigitalOcean API. Every request takes a token from the shared rate budget
 * first and feeds the response's rate-limit headers back; every failure comes out as a
 * {@link DigitalOceanException} carrying status, error id, message and request id. Nothing here
 * retries: callers decide, because a POST must never be repeated blindly.
 */
@ApplicationScoped
public class DigitalOcean {

    /** Actions per page of {@code GET /v2/actions}: the most the API gives. */
    public static final int ACTION_LIST_PAGE = 200;

    private static final Logger LOG = Logger.getLogger(DigitalOcean.class);
    private static final Duration[] BUDGET_WAIT_BUCKETS = {Duration.ofMillis(100), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(30),
        Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1)};

    private final DropletsResource droplets;
    private final DropletActionsResource dropletActions;
    private final ActionsResource actions;
    private final DigitalOceanAccounts accounts;
    private final RateBudget budget;
    private final ObjectMapper mapper;
    private final MeterRegistry metrics;
    /** Requests the current thread's step has already taken from the budget. */
    private final ThreadLocal<Allowance> allowance = new ThreadLocal<>();

    /** What a step took up front and has not yet spent. */
    private static final class Allowance {
        final String token;
        final RateBudget.Grant grant;
        int left;

        Allowance(String token, RateBudget.Grant grant) {
            this.token = token;
            this.grant = grant;
            this.left = grant.requests();
        }
    }

    public DigitalOcean(@RestClient DropletsResource droplets, @RestClient DropletActionsResource dropletActions,
            @RestClient ActionsResource actions, DigitalOceanAccounts accounts, RateBudget budget,
            ObjectMapper mapper, MeterRegistry metrics) {
        this.metrics = metrics;
        this.droplets = droplets;
        this.dropletActions = dropletActions;
        this.actions = actions;
        this.accounts = accounts;
        this.budget = budget;
        this.mapper = mapper;
    }

    /**
     * Runs a step of several requests on budget taken all at once (see
     * {@link RateBudget#take(String, int, String)}): either the step can make every request it
     * plans, or it waits without spending any. Requests beyond {@code requests} take their own;
     * the ones it did not need are given back.
     *
     * @param holder who comes back if the budget must first fill up (a job id)
     * @throws dev.dropletworker.budget.BudgetExhausted before anything was sent
     */
    public <T> T withBudgetFor(String account, int requests, String holder, Supplier<T> step) {
        notInAStep();
        String token = tokenOf(account);
        return onAllowance(token, take(account, () -> budget.take(token, requests, holder)), step);
    }

    /**
     * Runs a step of several POSTs of new work on budget taken in one transaction with what must be
     * recorded before they go out ({@code alongside}, which says how many requests to take; see
     * {@link RateBudget#takeFor}). The step's requests then run {@code beforeSending} only if they
     * are passed one; the ones it did not send are given back.
     *
     * @throws dev.dropletworker.budget.BudgetExhausted before anything was sent, {@code alongside} undone
     */
    public <T> T withBudgetAlongside(String account, IntSupplier alongside, Supplier<T> step) {
        notInAStep();
        String token = tokenOf(account);
        // Not recorded as a wait when refused: the caller then sends each on its own, and each
        // request the budget turns away is recorded then.
        RateBudget.Grant grant = budget.takeFor(token, Purpose.NEW_WORK, alongside);
        return grant == null ? step.get() : onAllowance(token, grant, step);
    }

    private void notInAStep() {
        if (allowance.get() != null) {
            throw new IllegalStateException("steps with a budget do not nest");
        }
    }

    /** Runs the step with what was taken as its thread's allowance, and gives back what it did not send. */
    private <T> T onAllowance(String token, RateBudget.Grant grant, Supplier<T> step) {
        Allowance taken = new Allowance(token, grant);
        allowance.set(taken);
        try {
            return step.get();
        } finally {
            allowance.remove();
            giveBack(taken);
        }
    }

    /**
     * Takes from the account's budget; when it is exhausted, records how long the request is told
     * to wait (the time jobs and polls spend waiting for budget) before passing the refusal on.
     */
    private <T> T take(String account, Supplier<T> take) {
        try {
            return take.get();
        } catch (BudgetExhausted e) {
            Timer.builder("dropletworker.budget.wait").tag("account", account)
                    .description("How long each request the rate budget turned away was told to wait")
                    .serviceLevelObjectives(BUDGET_WAIT_BUCKETS)
                    .register(metrics).record(e.waitFor());
            throw e;
        }
    }

    /** What the account's budget holds now, shared by every pod (for metrics). */
    public BudgetLeft budgetLeft(String account) {
        return budget.left(tokenOf(account));
    }

    private void giveBack(Allowance taken) {
        if (taken.left <= 0) {
            return;
        }
        int unused = taken.left;
        try {
            budget.giveBack(taken.token, taken.grant, unused);
        } catch (RuntimeException e) {
            // Not worth failing the step over: the budget errs on the cautious side.
            LOG.debugf("could not give back %d unused requests: %s", unused, e.getClass().getSimpleName());
        }
    }

    /** What the account's token has left in each window (see {@link RateBudget#left}); empty without a token. */
    public java.util.Optional<BudgetLeft> budgetOf(String account) {
        return accounts.tokenOf(account).map(budget::left);
    }

    /**
     * {@code POST /v2/droplets/{id}/actions}.
     *
     * @param beforeSending runs once the request may go out and before it does, committed with its
     *     budget; what it throws stops the request
     */
    public Action postAction(String account, long dropletId, JsonNode action, Runnable beforeSending) {
        JsonNode body = call(account, "POST /v2/droplets/" + dropletId + "/actions", Purpose.NEW_WORK, beforeSending,
                auth -> dropletActions.post(auth, dropletId, action));
        return read(body.path("action"), Action.class);
    }

    /**
     * {@code POST /v2/droplets/actions?tag_name=}: one action per Droplet carrying the tag.
     *
     * @param beforeSending as for {@link #postAction}
     */
    public List<Action> postTagAction(String account, String tagName, JsonNode action, Runnable beforeSending) {
        JsonNode body = call(account, "POST /v2/droplets/actions?tag_name", Purpose.NEW_WORK, beforeSending,
                auth -> dropletActions.postByTag(auth, tagName, action));
        List<Action> started = new ArrayList<>();
        body.path("actions").forEach(a -> started.add(read(a, Action.class)));
        return started;
    }

    /** {@code GET /v2/actions/{id}}: following an action, so on the budget's follow-up share. */
    public Action getAction(String account, long actionId) {
        JsonNode body = call(account, "GET /v2/actions/" + actionId, Purpose.FOLLOW_UP,
                auth -> actions.get(auth, actionId));
        return read(body.path("action"), Action.class);
    }

    /**
     * {@code GET /v2/actions}: the account's actions that may have started at or after {@code since}
     * (a database time; see {@link Action#startedSince}), newest first, reading as many pages of 200
     * as that takes (at most {@code maxPages}).
     */
    public List<Action> listActionsSince(String account, Instant since, int maxPages) {
        return listActionsSince(account, since, maxPages, Set.of());
    }

    /**
     * As {@link #listActionsSince(String, Instant, int)}, but stops after the page on which the
     * last of {@code wanted} (action ids) turned up.
     */
    public List<Action> listActionsSince(String account, Instant since, int maxPages, Set<Long> wanted) {
        return listActionsSince(account, since, maxPages, wanted, Purpose.NEW_WORK);
    }

    /** As {@link #listActionsSince(String, Instant, int, Set)}, for {@code purpose}. */
    public List<Action> listActionsSince(String account, Instant since, int maxPages, Set<Long> wanted,
            Purpose purpose) {
        return listActionsSince(account, since, 1, maxPages, wanted, purpose);
    }

    /**
     * As {@link #listActionsSince(String, Instant, int, Set, Purpose)}, from page {@code firstPage}
     * on: where the caller knows at least that many newer actions come first (a page holds
     * {@link #ACTION_LIST_PAGE} of them).
     */
    public List<Action> listActionsSince(String account, Instant since, int firstPage, int maxPages, Set<Long> wanted,
            Purpose purpose) {
        List<Action> found = new ArrayList<>();
        Set<Long> missing = new HashSet<>(wanted);
        for (int page = firstPage; page < firstPage + maxPages; page++) {
            int current = page;
            JsonNode body = call(account, "GET /v2/actions", purpose,
                    auth -> actions.list(auth, current, ACTION_LIST_PAGE));
            boolean older = false;
            for (JsonNode node : body.path("actions")) {
                Action action = read(node, Action.class);
                if (action.startedAt() != null && !action.startedSince(since)) {
                    older = true;
                } else {
                    found.add(action);
                    missing.remove(action.id());
                }
            }
            if (older || (!wanted.isEmpty() && missing.isEmpty())
                    || body.path("links").path("pages").path("next").isMissingNode()
                    || body.path("actions").isEmpty()) {
                break;
            }
        }
        return found;
    }

    /** {@code GET /v2/droplets/{id}/actions}, newest first, one page. */
    public List<Action> listDropletActions(String account, long dropletId, int perPage) {
        JsonNode body = call(account, "GET /v2/droplets/" + dropletId + "/actions",
                auth -> dropletActions.list(auth, dropletId, 1, perPage));
        List<Action> list = new ArrayList<>();
        body.path("actions").forEach(a -> list.add(read(a, Action.class)));
        return list;
    }

    /**
     * {@code POST /v2/droplets}, single ({@code name}) or multi ({@code names}).
     *
     * @param beforeSending as for {@link #postAction}
     */
    public CreateAccepted createDroplets(String account, JsonNode request, Runnable beforeSending) {
        JsonNode body = call(account, "POST /v2/droplets", Purpose.NEW_WORK, beforeSending,
                auth -> droplets.create(auth, request));
        List<Droplet> created = new ArrayList<>();
        if (body.has("droplet")) {
            created.add(read(body.get("droplet"), Droplet.class));
        }
        body.path("droplets").forEach(d -> created.add(read(d, Droplet.class)));
        List<Long> actionIds = new ArrayList<>();
        body.path("links").path("actions").forEach(link -> {
            if ("create".equals(link.path("rel").asText("create"))) {
                actionIds.add(link.path("id").asLong());
            }
        });
        return new CreateAccepted(created, actionIds);
    }

    /** {@code GET /v2/droplets/{id}}: a created Droplet's final read, so on the budget's follow-up share. */
    public Droplet getDroplet(String account, long dropletId) {
        JsonNode body = call(account, "GET /v2/droplets/" + dropletId, Purpose.FOLLOW_UP,
                auth -> droplets.get(auth, dropletId));
        return read(body.path("droplet"), Droplet.class);
    }

    /** {@code GET /v2/droplets?tag_name=}, every page. */
    public List<Droplet> listDropletsByTag(String account, String tagName) {
        List<Droplet> found = new ArrayList<>();
        for (int page = 1; ; page++) {
            int current = page;
            JsonNode body = call(account, "GET /v2/droplets?tag_name",
                    auth -> droplets.listByTag(auth, tagName, current, 200));
            body.path("droplets").forEach(d -> found.add(read(d, Droplet.class)));
            if (body.path("links").path("pages").path("next").isMissingNode()
                    || body.path("droplets").isEmpty()) {
                return found;
            }
        }
    }

    private JsonNode call(String account, String request, Function<String, Response> send) {
        return call(account, request, Purpose.NEW_WORK, send);
    }

    private JsonNode call(String account, String request, Purpose purpose, Function<String, Response> send) {
        return call(account, request, purpose, null, send);
    }

    /** @param beforeSending null, or what runs before the request goes out, committed with its budget */
    private JsonNode call(String account, String request, Purpose purpose, Runnable beforeSending,
            Function<String, Response> send) {
        String token = tokenOf(account);
        Allowance prepaid = allowance.get();
        if (prepaid != null && prepaid.left > 0 && prepaid.token.equals(token)) {
            if (beforeSending != null) {
                beforeSending.run(); // what it throws stops the request, whose budget is then given back
            }
            prepaid.left--;
        } else {
            take(account, () -> {
                if (beforeSending == null) {
                    budget.take(token, purpose);
                } else {
                    budget.take(token, purpose, beforeSending);
                }
                return null;
            });
        }
        Response answer;
        try {
            answer = send.apply("Bearer " + token);
        } catch (WebApplicationException e) {
            // Only if the client's default error mapper is on after all: the answer is still in it.
            answer = e.getResponse();
        } catch (ProcessingException e) {
            LOG.debugf("%s: transport failure %s", request, e.getClass().getSimpleName());
            throw new DigitalOceanException.Unreachable(request, e);
        }
        try (Response response = answer) {
            RateLimitSnapshot rate = RateLimitHeaders.of(response);
            metrics.counter("dropletworker.api.requests", "request", endpoint(request),
                    "status", Integer.toString(response.getStatus())).increment();
            budget.observe(token, response.getStatus(), rate);
            String text = response.hasEntity() ? response.readEntity(String.class) : "";
            LOG.debugf("%s -> %d (request %s, ratelimit-remaining %s)", request, response.getStatus(),
                    response.getHeaderString("x-request-id"), rate.remaining());
            if (response.getStatus() >= 400) {
                throw new DigitalOceanException.ErrorResponse(request, errorOf(response, text), rate);
            }
            try {
                return text.isEmpty() ? mapper.createObjectNode() : mapper.readTree(text);
            } catch (JsonProcessingException e) {
                throw new DigitalOceanException.Unreachable(request, e);
            }
        } catch (ProcessingException e) {
            throw new DigitalOceanException.Unreachable(request, e);
        }
    }

    private String tokenOf(String account) {
        return accounts.tokenOf(account).orElseThrow(() -> new AccountNotConfigured(account));
    }

    /** The request without ids, for metric tags of bounded cardinality. */
    private static String endpoint(String request) {
        return request.replaceAll("/\\d+", "/{id}");
    }

    private ApiError errorOf(Response response, String text) {
        String id = null;
        String message = null;
        String requestId = null;
        try {
            JsonNode body = text.isEmpty() ? null : mapper.readTree(text);
            if (body != null && body.isObject()) {
                id = body.path("id").asText(null);
                message = body.path("message").asText(null);
                requestId = body.path("request_id").asText(null);
            }
        } catch (JsonProcessingException e) {
            // Not JSON (a proxy's HTML page, say): keep a bounded piece of the raw text, like godo.
            message = text.length() > 300 ? text.substring(0, 300) : text;
        }
        if (requestId == null || requestId.isBlank()) {
            requestId = response.getHeaderString("x-request-id");
        }
        return new ApiError(response.getStatus(), id, message, requestId);
    }

    private <T> T read(JsonNode node, Class<T> type) {
        try {
            return mapper.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unexpected " + type.getSimpleName() + " in DigitalOcean response", e);
        }
    }
}
