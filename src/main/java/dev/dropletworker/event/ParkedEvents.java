package dev.dropletworker.event;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Events Kafka refused for good: for operators to see, and to publish again once the cause is fixed. */
@ApplicationScoped
public class ParkedEvents {

    private final EntityManager em;

    ParkedEvents(EntityManager em) {
        this.em = em;
    }

    /** Parked events, most recently parked first. */
    @Transactional
    public List<ParkedEvent> list(int limit) {
        return em.createQuery("from OutboxEvent where parkedAt is not null order by parkedAt desc, id",
                OutboxEvent.class).setMaxResults(limit).getResultStream().map(OutboxEvent::parked).toList();
    }

    @Transactional
    public Optional<ParkedEvent> get(UUID id) {
        OutboxEvent event = em.find(OutboxEvent.class, id);
        return event == null || event.parkedAt == null ? Optional.empty() : Optional.of(event.parked());
    }

    @Transactional
    public long count() {
        return em.createQuery("select count(e) from OutboxEvent e where e.parkedAt is not null", Long.class)
                .getSingleResult();
    }

    /**
     * Hands a parked event back to the relay, which publishes it at its next round.
     *
     * @return false when no such event is parked
     */
    @Transactional
    public boolean publishAgain(UUID id) {
        OutboxEvent event = em.find(OutboxEvent.class, id);
        if (event == null || event.parkedAt == null) {
            return false;
        }
        event.unpark();
        return true;
    }
}
