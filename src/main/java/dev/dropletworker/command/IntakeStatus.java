package dev.dropletworker.command;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether intake is holding a record it cannot record yet (the database is away, or neither the
 * dead-letter topic nor the database takes it). While it is, that record and the ones queued behind
 * it wait, and the pod is not ready (it takes in nothing new), though alive: it goes on by itself
 * once the database is back.
 */
@ApplicationScoped
public class IntakeStatus {

    private final AtomicReference<Instant> holdingSince = new AtomicReference<>();

    /** Since when intake has been holding a record, if it is. */
    public Optional<Instant> holdingSince() {
        return Optional.ofNullable(holdingSince.get());
    }

    void holding() {
        holdingSince.compareAndSet(null, Instant.now());
    }

    void released() {
        holdingSince.set(null);
    }
}
