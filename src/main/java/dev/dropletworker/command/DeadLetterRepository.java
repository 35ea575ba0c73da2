package dev.dropletworker.command;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

/** Finders over {@code dead_letter}. */
@ApplicationScoped
class DeadLetterRepository implements PanacheRepositoryBase<DeadLetter, Long> {
}
