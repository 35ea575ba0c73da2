package dev.dropletworker.tracking;

import dev.dropletworker.lifecycle.RoleLoop;
import dev.dropletworker.lifecycle.ShutdownDeadline;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Tracking's background role: each round reads the actions that are due, ends the jobs whose
 * actions have all finished, and fails the ones whose actions outran the timeout; once a minute it
 * learns again how long each action type takes.
 */
@ApplicationScoped
public class ActionTracker {

    private static final Logger LOG = Logger.getLogger(ActionTracker.class);

    private final ActionFollower follower;
    private final JobFinisher finisher;
    private final ActionDurations durations;
    private final TrackingConfig config;
    private final ShutdownDeadline deadline;
    private RoleLoop loop;

    ActionTracker(ActionFollower follower, JobFinisher finisher, ActionDurations durations, TrackingConfig config,
            ShutdownDeadline deadline) {
        this.follower = follower;
        this.finisher = finisher;
        this.durations = durations;
        this.config = config;
        this.deadline = deadline;
    }

    void start(@Observes StartupEvent event) {
        loop = new RoleLoop("tracking", config.interval(), this::track).start();
    }

    /** Shutdown, after dispatch: the round in progress finishes (its polls and finished jobs recorded). */
    void stop(@Observes @Priority(ShutdownDeadline.STOP_TRACKING) ShutdownEvent event) {
        if (loop != null && !loop.close(deadline.remaining())) {
            LOG.info("shutdown: tracking round still running when the time ran out; its polls come due again later");
        }
    }

    /** One round. @return how much it did (0: nothing was due) */
    int track() {
        durations.refreshIfDue();
        return follower.pollDue() + finisher.finishReady() + finisher.failTimedOut();
    }
}
