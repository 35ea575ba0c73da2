package dev.dropletworker.job;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import org.hibernate.query.NativeQuery;
import org.hibernate.type.StandardBasicTypes;

/**
 * The database's clock, which every pod stamps rows and takes decisions by: read from PostgreSQL
 * at most once a second and carried forward by this process's monotonic clock in between. Reading
 * it for every stamp cost a statement, and before it the session's flush of everything pending, on
 * every state change.
 */
@ApplicationScoped
public class DatabaseClock {

    /** How long a reading is carried forward; two clocks drift apart by microseconds in that time. */
    static final Duration READING_KEPT = Duration.ofSeconds(1);

    private final EntityManager em;
    private volatile Reading last;

    DatabaseClock(EntityManager em) {
        this.em = em;
    }

    private record Reading(Instant at, long nanos) {
    }

    /** Not a transaction of its own: most calls only carry the last reading forward. */
    public Instant now() {
        Reading reading = last;
        long elapsed = reading == null ? Long.MAX_VALUE : System.nanoTime() - reading.nanos;
        if (elapsed >= 0 && elapsed < READING_KEPT.toNanos()) {
            return reading.at.plusNanos(elapsed);
        }
        return read();
    }

    // Called from this bean: ArC intercepts such self-invocations (the method is not private).
    @Transactional
    Instant read() {
        long before = System.nanoTime();
        // The time of the statement, not of the transaction around it (now() is when that began).
        // A scalar, never a result class: Hibernate caches a native statement given a result class
        // anew each time it is created, all under one hash, and every lookup then walks the copies.
        // Statements that return ids leave the type to the column (a uuid reads as a UUID).
        Instant at = (Instant) em.createNativeQuery("select clock_timestamp() as now").unwrap(NativeQuery.class)
                .addScalar("now", StandardBasicTypes.INSTANT).getSingleResult();
        // The statement ran somewhere in the round trip: take its middle.
        last = new Reading(at, before + (System.nanoTime() - before) / 2);
        return at;
    }
}
