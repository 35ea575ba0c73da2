package dev.dropletworker.command;

import dev.dropletworker.job.RetentionConfig;
import dev.dropletworker.lifecycle.RoleLoop;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Deletes records kept in the database as dead letters once they are older than their retention. */
@ApplicationScoped
class DeadLetterRetention {

    private final DeadLetters deadLetters;
    private final RetentionConfig config;
    private RoleLoop loop;

    DeadLetterRetention(DeadLetters deadLetters, RetentionConfig config) {
        this.deadLetters = deadLetters;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        loop = new RoleLoop("dead-letter-retention", config.interval(), this::deleteOld).start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (loop != null) {
            loop.close();
        }
    }

    /** @return how many were deleted when a whole batch was (the loop then goes again), else 0 */
    int deleteOld() {
        int deleted = deadLetters.deleteOlderThan(config.deadLetters(), config.batchSize());
        return deleted == config.batchSize() ? deleted : 0;
    }
}
