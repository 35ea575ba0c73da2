package dev.dropletworker.job;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.UUID;

/** Finders over {@code job}; the locking SQL stays written out in the ledgers. */
@ApplicationScoped
class JobRepository implements PanacheRepositoryBase<Job, UUID> {

    Optional<Job> findByCommandId(String commandId) {
        return find("commandId", commandId).firstResultOptional();
    }
}
