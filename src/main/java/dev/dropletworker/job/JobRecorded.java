package dev.dropletworker.job;

/**
 * A CDI event: intake recorded an accepted command as a job. Observe it after success to act on
 * committed work (the dispatcher looks for due jobs at once instead of at its next interval).
 */
public record JobRecorded(JobView job) {
}
