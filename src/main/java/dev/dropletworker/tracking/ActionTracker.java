package dev.dropletworker.tracking;

import dev.dropletworker.lifecycle.RoleLoop;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Tracking's background role: each round reads the actions that are due, ends the jobs whose
 * actions have all finished, and fails the ones whose actions outran the timeout; once a minute it
 * learns again how long each action type takes.
 */
@ApplicationScoped
public class ActionTracker {

    private final ActionFollower follower;
    private final JobFinisher finisher;
    private final ActionDurations durations;
    private final TrackingConfig config;
    private RoleLoop loop;

    ActionTracker(ActionFollower follower, JobFinisher finisher, ActionDurations durations, TrackingConfig config) {
        this.follower = follower;
        this.finisher = finisher;
        this.durations = durations;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        loop = new RoleLoop("tracking", config.interval(), this::track).start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (loop != null) {
            loop.close();
        }
    }

    /** One round. @return how much it did (0: nothing was due) */
    int track() {
        durations.refreshIfDue();
        return follower.pollDue() + finisher.finishReady() + finisher.failTimedOut();
    }
}
