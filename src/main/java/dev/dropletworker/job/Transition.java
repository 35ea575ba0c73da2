package dev.dropletworker.job;

import java.time.Instant;

/**
 * One committed state change of a job, as its history shows it.
 *
 * @param fromState null for the first, when the job was recorded
 * @param detail why, in a few words (claimed by, pending event, lease expired, ...)
 */
public record Transition(JobState fromState, JobState toState, Instant at, String detail) {
}
