package dev.dropletworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.DoubleSupplier;
import java.util.function.UnaryOperator;

/**
 * The account's Droplets and actions. Every method holds the store's monitor briefly and first
 * settles the actions whose time has come, so action lifecycles follow {@link SimulatorClock}
 * without timers: a client that polls sees an action finish exactly when its duration has passed,
 * and a test that advances the clock finishes it at once.
 */
final class DropletStore {

    private static final long FIRST_DROPLET_ID = 500_000_001L;
    private static final long FIRST_ACTION_ID = 2_000_000_001L;

    record Created(List<Droplet> droplets, List<Action> actions) {
    }

    record Page<T>(List<T> items, int total) {
    }

    /** A Droplet looked up by id, or the reason it is not shown. */
    record Lookup(Droplet droplet, boolean hiddenAfterCreate) {
    }

    /** Filters of {@code GET /v2/droplets}; null means "not given". */
    record DropletFilter(String tagName, String name, boolean gpus) {
    }

    /** An action that has not finished yet; its outcome is decided when it starts. */
    private record Running(long actionId, long dropletId, ActionType type, JsonNode body, long completesAt,
                           String outcome) {
    }

    private static final long DURATION_SEED_MIX = 0x9E3779B97F4A7C15L;

    private final SimulatorClock clock;
    private final long seed;
    private final Random random;
    /** Apart from {@link #random}, so ranges do not change which actions a seed makes errored. */
    private final Random durationRandom;
    private final DoubleSupplier erroredProbability;
    private volatile ActionDurations durations;

    private final TreeMap<Long, DropletState> droplets = new TreeMap<>();
    private final Map<Long, Action> actions = new HashMap<>();
    private final List<Long> actionOrder = new ArrayList<>();
    private final PriorityQueue<Running> running = new PriorityQueue<>(
            Comparator.comparingLong(Running::completesAt).thenComparingLong(Running::actionId));
    private final Map<Long, String> nextOutcome = new HashMap<>();
    private final Map<Long, Long> hiddenUntil = new HashMap<>();
    private String nextCreateOutcome;
    private long nextDropletId = FIRST_DROPLET_ID;
    private long nextActionId = FIRST_ACTION_ID;
    private int nextHost;
    private int maxInProgressPerDroplet;

    DropletStore(SimulatorClock clock, long seed, DoubleSupplier erroredProbability, ActionDurations durations) {
        this.clock = clock;
        this.seed = seed;
        this.random = new Random(seed);
        this.durationRandom = new Random(seed ^ DURATION_SEED_MIX);
        this.erroredProbability = erroredProbability;
        this.durations = durations;
    }

    ActionDurations durations() {
        return durations;
    }

    synchronized void changeDurations(UnaryOperator<ActionDurations> change) {
        durations = change.apply(durations);
    }

    synchronized Created create(CreateRequest request, long notFoundAfterCreateMs) {
        long now = settle();
        String outcome = nextCreateOutcome;
        nextCreateOutcome = null;
        List<Droplet> created = new ArrayList<>();
        List<Action> started = new ArrayList<>();
        for (String name : request.names()) {
            DropletState d = new DropletState(nextDropletId++, nextHost++, name, Region.of(request.region()),
                    Size.of(request.size()), Image.of(request.image()), Instant.ofEpochMilli(now));
            d.status = "new";
            d.tags.addAll(request.tags());
            d.volumeIds.addAll(request.volumes());
            d.ipv6 = request.ipv6();
            d.publicNetworking = request.publicNetworking();
            if (request.vpcUuid() != null) {
                d.vpcUuid = request.vpcUuid();
            }
            if (request.backups()) {
                d.features.add("backups");
            }
            if (request.monitoring()) {
                d.features.add("monitoring");
            }
            d.features.add("droplet_agent");
            d.features.add("private_networking");
            droplets.put(d.id, d);
            if (notFoundAfterCreateMs > 0) {
                hiddenUntil.put(d.id, now + notFoundAfterCreateMs);
            }
            started.add(start(d, ActionType.CREATE, JsonNodeFactory.instance.objectNode(), now, outcome));
            created.add(d.view());
        }
        return new Created(created, started);
    }

    synchronized Lookup droplet(long id) {
        long now = settle();
        Long hidden = hiddenUntil.get(id);
        if (hidden != null) {
            if (now < hidden) {
                return new Lookup(null, true);
            }
            hiddenUntil.remove(id);
        }
        DropletState d = droplets.get(id);
        return new Lookup(d == null ? null : d.view(), false);
    }

    synchronized Page<Droplet> droplets(DropletFilter filter, int page, int perPage) {
        settle();
        List<DropletState> matching = new ArrayList<>();
        for (DropletState d : droplets.values()) {
            if (filter.tagName() != null && !d.tags.contains(filter.tagName())) {
                continue;
            }
            if (filter.name() != null && !d.name.equalsIgnoreCase(filter.name())) {
                continue;
            }
            if (filter.tagName() == null && d.size.gpu() != filter.gpus()) {
                continue;
            }
            matching.add(d);
        }
        return new Page<>(slice(matching, page, perPage).stream().map(DropletState::view).toList(), matching.size());
    }

    synchronized Action startAction(long dropletId, ActionType type, JsonNode body) {
        long now = settle();
        DropletState d = droplets.get(dropletId);
        if (d == null) {
            throw ApiFailure.notFound();
        }
        if (d.locked()) {
            throw ApiFailure.pendingEvent(dropletId);
        }
        type.checkDroplet(d);
        return start(d, type, body, now, nextOutcome.remove(dropletId));
    }

    /** One action per Droplet carrying the tag; refused as a whole if any of them is busy. */
    synchronized List<Action> startTagAction(String tag, ActionType type, JsonNode body) {
        long now = settle();
        List<DropletState> tagged = droplets.values().stream().filter(d -> d.tags.contains(tag)).toList();
        List<Long> busy = tagged.stream().filter(DropletState::locked).map(d -> d.id).toList();
        if (!busy.isEmpty()) {
            throw ApiFailure.blockingEvents(busy);
        }
        return tagged.stream().map(d -> start(d, type, body, now, nextOutcome.remove(d.id))).toList();
    }

    synchronized Optional<Action> action(long actionId) {
        settle();
        return Optional.ofNullable(actions.get(actionId));
    }

    synchronized Optional<Action> dropletAction(long dropletId, long actionId) {
        settle();
        DropletState d = droplets.get(dropletId);
        Action a = actions.get(actionId);
        if (d == null || a == null || a.resourceId() == null || a.resourceId() != dropletId) {
            return Optional.empty();
        }
        return Optional.of(a);
    }

    /** Newest first, as the API lists them. */
    synchronized Page<Action> actions(int page, int perPage) {
        settle();
        return newestFirst(actionOrder, page, perPage);
    }

    synchronized Optional<Page<Action>> dropletActions(long dropletId, int page, int perPage) {
        settle();
        DropletState d = droplets.get(dropletId);
        return d == null ? Optional.empty() : Optional.of(newestFirst(d.actionIds, page, perPage));
    }

    /** Puts an existing, settled Droplet in place: networks assigned, no action, not locked. */
    synchronized Droplet seed(Long id, String name, String status, String region, String size, JsonNode image,
                              List<String> tags, boolean ipv6) {
        long now = settle();
        long dropletId = id == null ? nextDropletId++ : id;
        if (droplets.containsKey(dropletId)) {
            throw new IllegalArgumentException("a Droplet with id " + dropletId + " already exists");
        }
        nextDropletId = Math.max(nextDropletId, dropletId + 1);
        DropletState d = new DropletState(dropletId, nextHost++, name == null ? "droplet-" + dropletId : name,
                Region.of(region), Size.of(size), Image.of(image), Instant.ofEpochMilli(now));
        d.status = status;
        d.tags.addAll(tags);
        d.ipv6 = ipv6;
        d.features.add("droplet_agent");
        d.features.add("private_networking");
        d.assignNetworks();
        droplets.put(dropletId, d);
        return d.view();
    }

    synchronized boolean nextActionOutcome(long dropletId, String outcome) {
        if (!droplets.containsKey(dropletId)) {
            return false;
        }
        nextOutcome.put(dropletId, outcome);
        return true;
    }

    synchronized void nextCreateOutcome(String outcome) {
        nextCreateOutcome = outcome;
    }

    synchronized int maxInProgressPerDroplet() {
        settle();
        return maxInProgressPerDroplet;
    }

    synchronized void reset(ActionDurations defaults) {
        droplets.clear();
        actions.clear();
        actionOrder.clear();
        running.clear();
        nextOutcome.clear();
        hiddenUntil.clear();
        nextCreateOutcome = null;
        nextDropletId = FIRST_DROPLET_ID;
        nextActionId = FIRST_ACTION_ID;
        nextHost = 0;
        maxInProgressPerDroplet = 0;
        durations = defaults;
        // The same requests after a reset draw the same durations again.
        durationRandom.setSeed(seed ^ DURATION_SEED_MIX);
    }

    private Action start(DropletState d, ActionType type, JsonNode body, long now, String forcedOutcome) {
        long id = nextActionId++;
        String outcome = forcedOutcome != null ? forcedOutcome : decideOutcome();
        Action action = new Action(id, Action.IN_PROGRESS, type.wireName, Timestamps.format(Instant.ofEpochMilli(now)),
                null, d.id, "droplet", d.region, d.region.slug());
        actions.put(id, action);
        actionOrder.add(id);
        d.actionIds.add(id);
        d.inProgressActions++;
        maxInProgressPerDroplet = Math.max(maxInProgressPerDroplet, d.inProgressActions);
        running.add(new Running(id, d.id, type, body, now + durations.draw(type, durationRandom), outcome));
        return action;
    }

    private String decideOutcome() {
        double p = erroredProbability.getAsDouble();
        return p > 0 && random.nextDouble() < p ? Action.ERRORED : Action.COMPLETED;
    }

    /** Finishes every action whose time has come; returns the current time in epoch millis. */
    private long settle() {
        long now = clock.millis();
        while (!running.isEmpty() && running.peek().completesAt() <= now) {
            Running r = running.poll();
            Action action = actions.get(r.actionId());
            actions.put(r.actionId(), action.finish(r.outcome(), Timestamps.format(Instant.ofEpochMilli(r.completesAt()))));
            DropletState d = droplets.get(r.dropletId());
            if (d == null) {
                continue;
            }
            d.inProgressActions--;
            if (r.outcome().equals(Action.COMPLETED)) {
                r.type().apply(d, r.body(), r.actionId());
            } else if (r.type() == ActionType.CREATE) {
                // A failed create leaves no Droplet behind: polls of it get 404, and only the
                // create action's "errored" tells why (community.digitalocean#150).
                droplets.remove(d.id);
                hiddenUntil.remove(d.id);
            }
        }
        return now;
    }

    private Page<Action> newestFirst(List<Long> ids, int page, int perPage) {
        int n = ids.size();
        long from = (long) (page - 1) * perPage;
        List<Action> items = new ArrayList<>();
        for (long i = from; i < n && i < from + perPage; i++) {
            items.add(actions.get(ids.get(n - 1 - (int) i)));
        }
        return new Page<>(items, n);
    }

    private static <T> List<T> slice(List<T> all, int page, int perPage) {
        long from = (long) (page - 1) * perPage;
        if (from >= all.size()) {
            return List.of();
        }
        return all.subList((int) from, (int) Math.min(all.size(), from + perPage));
    }
}
