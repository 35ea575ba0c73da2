package dev.dropletworker.job;

import java.util.EnumSet;
import java.util.Set;

/**
 * A job's lifecycle. A job waiting for an earlier job on the same Droplet, for budget or for a
 * retry stays RECEIVED with a later next_run_at.
 */
public enum JobState {
    RECEIVED,
    SUBMITTING,
    IN_PROGRESS,
    COMPLETED,
    ERRORED,
    FAILED,
    REJECTED;

    static {
        RECEIVED.next = EnumSet.of(SUBMITTING, FAILED);
        // Back to RECEIVED: a transient failure, a pending event, an exhausted budget, or an expired lease.
        SUBMITTING.next = EnumSet.of(RECEIVED, IN_PROGRESS, COMPLETED, FAILED);
        IN_PROGRESS.next = EnumSet.of(COMPLETED, ERRORED, FAILED);
        COMPLETED.next = EnumSet.noneOf(JobState.class);
        ERRORED.next = EnumSet.noneOf(JobState.class);
        FAILED.next = EnumSet.noneOf(JobState.class);
        REJECTED.next = EnumSet.noneOf(JobState.class);
    }

    private Set<JobState> next;

    public boolean isTerminal() {
        return next.isEmpty();
    }

    public boolean canMoveTo(JobState target) {
        return next.contains(target);
    }

    /** The outcome a user reads in the event, for terminal states. */
    public String outcome() {
        if (!isTerminal()) {
            throw new IllegalStateException(this + " has no outcome");
        }
        return name().toLowerCase();
    }
}
