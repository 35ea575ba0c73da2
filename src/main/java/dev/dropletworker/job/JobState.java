package dev.dropletworker.job;

import java.util.EnumSet;
import java.util.Set;

/**
 * A job's lifecycle. A job waiting for an earlier job on the same Droplet, for budget or for a
 * retry stays RECEIVED with a later next_run_at. Terminal states end a generation; an operator's
 * retry of a FAILED or ERRORED job starts the next one from RECEIVED (see {@link #isRetryable()}).
 */
public enum JobState {
    RECEIVED,
    SUBMITTING,
    IN_PROGRESS,
    COMPLETED,
    ERRORED,
    FAILED,
    REJECTED,
    CANCELLED;

    static {
        // CANCELLED: an operator's cancel, only while no request of the job has gone out.
        RECEIVED.next = EnumSet.of(SUBMITTING, FAILED, CANCELLED);
        // Back to RECEIVED: a transient failure, a pending event, an exhausted budget, or an expired lease.
        SUBMITTING.next = EnumSet.of(RECEIVED, IN_PROGRESS, COMPLETED, FAILED, CANCELLED);
        IN_PROGRESS.next = EnumSet.of(COMPLETED, ERRORED, FAILED);
        COMPLETED.next = EnumSet.noneOf(JobState.class);
        ERRORED.next = EnumSet.noneOf(JobState.class);
        FAILED.next = EnumSet.noneOf(JobState.class);
        REJECTED.next = EnumSet.noneOf(JobState.class);
        CANCELLED.next = EnumSet.noneOf(JobState.class);
    }

    private Set<JobState> next;

    public boolean isTerminal() {
        return next.isEmpty();
    }

    public boolean canMoveTo(JobState target) {
        return next.contains(target);
    }

    /**
     * Whether an operator may retry a job that ended here: the worker could not get it done, or
     * DigitalOcean ran it and reported errored. A completed, rejected or cancelled job is not
     * retried: send a new command.
     */
    public boolean isRetryable() {
        return this == FAILED || this == ERRORED;
    }

    /** The outcome a user reads in the event, for terminal states. */
    public String outcome() {
        if (!isTerminal()) {
            throw new IllegalStateException(this + " has no outcome");
        }
        return name().toLowerCase();
    }
}
