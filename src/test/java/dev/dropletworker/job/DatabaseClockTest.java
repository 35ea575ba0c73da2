package dev.dropletworker.job;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The carried-forward clock against PostgreSQL's own, across several readings. */
@QuarkusTest
class DatabaseClockTest {

    @Inject
    DatabaseClock clock;

    @Inject
    EntityManager em;

    @Test
    void theClockKeepsToTheDatabasesAcrossReadingsAndNeverGoesBack() throws InterruptedException {
        Instant previous = null;
        long deadline = System.nanoTime() + DatabaseClock.READING_KEPT.multipliedBy(3).toNanos();
        int checks = 0;
        while (System.nanoTime() < deadline) {
            Instant before = database();
            Instant ours = clock.now();
            Instant after = database();
            // A few milliseconds either side: half a round trip, and the clocks' rounding.
            assertFalse(ours.isBefore(before.minusMillis(5)), ours + " is before the database's " + before);
            assertFalse(ours.isAfter(after.plusMillis(5)), ours + " is after the database's " + after);
            assertFalse(previous != null && ours.isBefore(previous.minusMillis(5)), ours + " went back from " + previous);
            previous = ours;
            checks++;
            Thread.sleep(Duration.ofMillis(97).toMillis());
        }
        assertTrue(checks > 20, "only " + checks + " checks in three readings' time");
    }

    private Instant database() {
        return QuarkusTransaction.requiringNew().call(() -> (Instant) em.createNativeQuery(
                "select clock_timestamp()").getSingleResult());
    }
}
