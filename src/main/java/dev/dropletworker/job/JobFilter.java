package dev.dropletworker.job;

import java.time.Instant;

/**
 * Which jobs an operator's list shows; every criterion is optional (null: any) and they combine.
 *
 * @param commandType the command's {@code type} as sent ({@code droplet.create}, ...)
 * @param dropletId the job's own Droplet, or one any of its actions acted on (a create's new Droplets, a
 *     tag action's tagged ones)
 * @param tag a tag action's tag, or a tag the create request gives its Droplets
 * @param receivedFrom received at or after
 * @param receivedBefore received before
 */
public record JobFilter(JobState state, String outcome, String commandType, Long dropletId, String tag,
        String account, Instant receivedFrom, Instant receivedBefore) {
}
