package dev.dropletworker.job;

import java.util.List;

/**
 * A CDI event: a job reached its terminal state. Fired inside the transaction that finishes it,
 * so an observer of the plain kind writes in that same transaction (the outbox writes the job's
 * event there: a finished job and its event commit together or not at all); an observer
 * {@code during = AFTER_SUCCESS} acts once it is committed.
 */
public record JobFinished(JobView job, List<ActionView> actions) {
}
