package dev.dropletworker.health;

import dev.dropletworker.event.OutboxRelay;
import dev.dropletworker.event.ParkedEvents;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.job.TrackingLedger;
import dev.dropletworker.lifecycle.RoleLoop;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How much work is waiting, for dashboards and alerts: open jobs by state, the age of the oldest
 * job not yet submitted, actions in flight per account, events not yet published and events parked.
 * Counted every refresh interval (never on the scrape thread), and the same on every pod, since the
 * tables are shared.
 */
@ApplicationScoped
public class BacklogGauges {

    private final JobStore jobs;
    private final TrackingLedger tracking;
    private final OutboxRelay relay;
    private final ParkedEvents parked;
    private final MetricsConfig config;
    private final MeterRegistry registry;
    private final Map<String, AtomicLong> actionsInFlight = new ConcurrentHashMap<>();
    private final Map<JobState, AtomicLong> openJobs = new EnumMap<>(JobState.class);
    private final AtomicLong oldestWaitingSeconds = new AtomicLong();
    private final AtomicLong unpublishedEvents = new AtomicLong();
    private final AtomicLong parkedEvents = new AtomicLong();
    private RoleLoop loop;

    public BacklogGauges(JobStore jobs, TrackingLedger tracking, OutboxRelay relay, ParkedEvents parked,
            MetricsConfig config,
            MeterRegistry registry) {
        this.jobs = jobs;
        this.tracking = tracking;
        this.relay = relay;
        this.parked = parked;
        this.config = config;
        this.registry = registry;
        for (JobState state : JobState.values()) {
            if (state.isTerminal()) {
                continue;
            }
            AtomicLong count = new AtomicLong();
            openJobs.put(state, count);
            Gauge.builder("dropletworker.jobs.open", count, AtomicLong::get).tag("state", state.name())
                    .description("Jobs not yet finished, by state").register(registry);
        }
        Gauge.builder("dropletworker.jobs.oldest.waiting", oldestWaitingSeconds, AtomicLong::get)
                .baseUnit("seconds").description("Age of the oldest job still waiting to be submitted")
                .register(registry);
        Gauge.builder("dropletworker.events.unpublished", unpublishedEvents, AtomicLong::get)
                .description("Completion events written but not yet published to Kafka").register(registry);
        Gauge.builder("dropletworker.events.parked", parkedEvents, AtomicLong::get)
                .description("Completion events Kafka refused for good, waiting for an operator").register(registry);
    }

    void start(@Observes StartupEvent event) {
        loop = new RoleLoop("backlog-metrics", config.backlogRefresh(), this::refresh).start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (loop != null) {
            loop.close();
        }
    }

    /** @return 0 always: one refresh per interval */
    int refresh() {
        JobStore.Backlog backlog = jobs.backlog();
        backlog.open().forEach((state, count) -> openJobs.get(state).set(count));
        oldestWaitingSeconds.set(backlog.oldestWaiting().toSeconds());
        unpublishedEvents.set(relay.unpublished());
        Map<String, Long> inFlight = tracking.inFlightByAccount();
        actionsInFlight.forEach((account, count) -> count.set(inFlight.getOrDefault(account, 0L)));
        inFlight.forEach((account, count) -> actionsInFlight.computeIfAbsent(account, this::inFlightGauge).set(count));
        parkedEvents.set(parked.count());
        return 0;
    }

    private AtomicLong inFlightGauge(String account) {
        AtomicLong count = new AtomicLong();
        Gauge.builder("dropletworker.actions.in_flight", count, AtomicLong::get).tag("account", account)
                .description("DigitalOcean actions started and not yet seen finished, by account").register(registry);
        return count;
    }
}
