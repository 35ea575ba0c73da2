package dev.dropletworker.simulator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** What tests and benchmarks read back: requests by token, endpoint and status, and notable events. */
final class Accounting {

    enum Fault {
        SERVER_ERROR("server_error"),
        DROPPED_CONNECTION("dropped_connection"),
        APPLIED_BUT_LOST("applied_but_lost"),
        NOT_FOUND_AFTER_CREATE("not_found_after_create");

        final String key;

        Fault(String key) {
            this.key = key;
        }
    }

    /** Status 0 stands for "no response": the connection was closed instead. */
    record RequestKey(String token, String method, String endpoint, int status) {
    }

    record RequestCount(String token, String method, String endpoint, int status, long count) {
    }

    private final ConcurrentHashMap<RequestKey, LongAdder> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> dropletsCreatedPerTag = new ConcurrentHashMap<>();
    private final Map<Fault, LongAdder> faults = new EnumMap<>(Fault.class);
    private final Map<FaultScript.Kind, LongAdder> scriptedFaults = new EnumMap<>(FaultScript.Kind.class);
    private final LongAdder tooManyRequests = new LongAdder();
    private final LongAdder pendingEventConflicts = new LongAdder();
    private final Map<Endpoint, LongAdder> eventConflictsByEndpoint = new EnumMap<>(Endpoint.class);
    private final ConcurrentHashMap<Long, LongAdder> eventConflictsByDroplet = new ConcurrentHashMap<>();

    Accounting() {
        for (Fault fault : Fault.values()) {
            faults.put(fault, new LongAdder());
        }
        for (FaultScript.Kind kind : FaultScript.Kind.values()) {
            scriptedFaults.put(kind, new LongAdder());
        }
        // The two endpoints that refuse an action because of running ones.
        eventConflictsByEndpoint.put(Endpoint.POST_DROPLET_ACTION, new LongAdder());
        eventConflictsByEndpoint.put(Endpoint.POST_TAG_ACTION, new LongAdder());
    }

    void request(String token, String method, String endpoint, int status) {
        requests.computeIfAbsent(new RequestKey(token, method, endpoint, status), k -> new LongAdder()).increment();
        if (status == 429) {
            tooManyRequests.increment();
        }
    }

    void fault(Fault fault) {
        faults.get(fault).increment();
    }

    void scriptedFault(FaultScript.Kind kind) {
        scriptedFaults.get(kind).increment();
    }

    /**
     * A 422 because of running actions: "pending event" per Droplet, "blocking events" by tag. Each
     * busy Droplet the request touched is counted once, so a chaos test can name the Droplets.
     */
    void eventConflict(Endpoint endpoint, List<Long> busyDroplets) {
        pendingEventConflicts.increment();
        eventConflictsByEndpoint.get(endpoint).increment();
        for (long droplet : busyDroplets) {
            eventConflictsByDroplet.computeIfAbsent(droplet, d -> new LongAdder()).increment();
        }
    }

    void dropletsCreated(List<String> tags, int count) {
        for (String tag : tags) {
            dropletsCreatedPerTag.computeIfAbsent(tag, t -> new LongAdder()).add(count);
        }
    }

    void reset() {
        requests.clear();
        dropletsCreatedPerTag.clear();
        faults.values().forEach(LongAdder::reset);
        scriptedFaults.values().forEach(LongAdder::reset);
        tooManyRequests.reset();
        pendingEventConflicts.reset();
        eventConflictsByEndpoint.values().forEach(LongAdder::reset);
        eventConflictsByDroplet.clear();
    }

    /** The {@code GET /_sim/accounting} document. */
    Map<String, Object> report(int maxInProgressActionsPerDroplet, Map<String, WindowPeaks.Snapshot> perToken) {
        List<RequestCount> counts = new ArrayList<>();
        requests.forEach((k, v) -> counts.add(new RequestCount(k.token(), k.method(), k.endpoint(), k.status(), v.sum())));
        counts.sort(Comparator.comparing(RequestCount::token).thenComparing(RequestCount::endpoint)
                .thenComparing(RequestCount::method).thenComparingInt(RequestCount::status));
        Map<String, Long> perTag = new TreeMap<>();
        dropletsCreatedPerTag.forEach((tag, n) -> perTag.put(tag, n.sum()));
        Map<String, Long> faultCounts = new LinkedHashMap<>();
        faults.forEach((fault, n) -> faultCounts.put(fault.key, n.sum()));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("requests", counts);
        report.put("too_many_requests", tooManyRequests.sum());
        report.put("pending_event_conflicts", pendingEventConflicts.sum());
        Map<String, Long> conflictsByEndpoint = new LinkedHashMap<>();
        eventConflictsByEndpoint.forEach((endpoint, n) -> conflictsByEndpoint.put(endpoint.label(), n.sum()));
        report.put("pending_event_conflicts_by_endpoint", conflictsByEndpoint);
        Map<String, Long> conflictsByDroplet = new LinkedHashMap<>();
        new TreeMap<>(eventConflictsByDroplet)
                .forEach((droplet, n) -> conflictsByDroplet.put(Long.toString(droplet), n.sum()));
        report.put("pending_event_conflicts_by_droplet", conflictsByDroplet);
        report.put("droplets_created_per_tag", perTag);
        report.put("max_in_progress_actions_per_droplet", maxInProgressActionsPerDroplet);
        report.put("faults_injected", faultCounts);
        Map<String, Long> scriptedCounts = new LinkedHashMap<>();
        scriptedFaults.forEach((kind, n) -> scriptedCounts.put(kind.wireName, n.sum()));
        report.put("scripted_faults_injected", scriptedCounts);
        report.put("per_token", perToken);
        return report;
    }
}
