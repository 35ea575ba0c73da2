package dev.dropletworker.lifecycle;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How a pod stops (SIGTERM): it hands its work over within a bounded time. */
@ConfigMapping(prefix = "worker.shutdown")
public interface ShutdownConfig {

    /**
     * How long a stopping pod spends finishing the requests it has in flight, following up what
     * they started and publishing the events they end in, before it lets go. Claims whose request
     * has not gone out are released at once, whatever this says. The pod's
     * {@code terminationGracePeriodSeconds} must be at least this plus 15 s, for the Kafka
     * clients' own close (committing offsets, leaving the group, flushing the producer).
     */
    @WithDefault("20s")
    Duration timeout();
}
