package dev.dropletworker.health;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the worker's own metrics are gathered. */
@ConfigMapping(prefix = "worker.metrics")
public interface MetricsConfig {

    /**
     * How often the backlog gauges (open jobs, oldest waiting job, unpublished events) are counted:
     * a few queries each time, on every pod, so not on every scrape.
     */
    @WithDefault("15s")
    Duration backlogRefresh();
}
