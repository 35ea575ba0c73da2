package dev.dropletworker.job;

import java.time.Duration;
import java.util.UUID;

/**
 * A pod's claim on a job: who holds it and for how long each renewal lasts. What a claim leads to
 * is recorded only while the pod still holds it, so a pod that stalled past its lease never
 * overwrites the work of the pod that took the job over.
 */
public record JobClaim(UUID jobId, String owner, Duration lease) {
}
