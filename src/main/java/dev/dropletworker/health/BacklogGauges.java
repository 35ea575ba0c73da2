package dev.dropletworker.health;

import dev.dropletworker.lifecycle.RoleLoop;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * How much work is waiting, for dashboards and alerts: open jobs by state, the age of the oldest
 * job not yet submitted, and events not yet published. Counted every refresh interval by one
 * query each (never on the scrape thread), and the same on every pod, since the table is shared.
 */
@ApplicationScoped
public class BacklogGauges {

    private static final List<String> OPEN_STATES = List.of("RECEIVED", "SUBMITTING", "IN_PROGRESS");

    private final EntityManager em;
    private final Duration refresh;
    private final Map<String, AtomicLong> openJobs = new ConcurrentHashMap<>();
    private final AtomicLong oldestWaitingSeconds = new AtomicLong();
    private final AtomicLong unpublishedEvents = new AtomicLong();
    private RoleLoop loop;

    public BacklogGauges(EntityManager em, MeterRegistry registry,
            @ConfigProperty(name = "worker.metrics.backlog-refresh", defaultValue = "15s") Duration refresh) {
        this.em = em;
        this.refresh = refresh;
        for (String state : OPEN_STATES) {
            AtomicLong count = new AtomicLong();
            openJobs.put(state, count);
            Gauge.builder("dropletworker.jobs.open", count, AtomicLong::get).tag("state", state)
                    .description("Jobs not yet finished, by state").register(registry);
        }
        Gauge.builder("dropletworker.jobs.oldest.waiting", oldestWaitingSeconds, AtomicLong::get)
                .baseUnit("seconds").description("Age of the oldest job still waiting to be submitted")
                .register(registry);
        Gauge.builder("dropletworker.events.unpublished", unpublishedEvents, AtomicLong::get)
                .description("Completion events written but not yet published to Kafka").register(registry);
    }

    void start(@Observes StartupEvent event) {
        loop = new RoleLoop("backlog-metrics", refresh, this::refresh).start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (loop != null) {
            loop.close();
        }
    }

    /** @return 0 always: one refresh per interval */
    @Transactional
    int refresh() {
        openJobs.values().forEach(c -> c.set(0));
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                select state, count(*) from job
                where state in ('RECEIVED', 'SUBMITTING', 'IN_PROGRESS') group by state""").getResultList();
        for (Object[] row : rows) {
            openJobs.get((String) row[0]).set(((Number) row[1]).longValue());
        }
        Number oldest = (Number) em.createNativeQuery("""
                select coalesce(extract(epoch from (now() - min(received_at))), 0) from job
                where state = 'RECEIVED'""").getSingleResult();
        oldestWaitingSeconds.set(oldest.longValue());
        unpublishedEvents.set(((Number) em.createNativeQuery(
                "select count(*) from outbox_event where sent_at is null").getSingleResult()).longValue());
        return 0;
    }
}
