package dev.dropletworker.event;

import java.time.Instant;
import java.util.UUID;

/**
 * An event Kafka refused for good (other than for its size, which the relay cuts), parked so that
 * it neither blocks the others nor is retried forever.
 *
 * @param payload the CloudEvent as it would be published
 * @param cut whether the payload was cut down to fit a size limit
 */
public record ParkedEvent(UUID id, UUID jobId, String key, String type, String payload, Instant createdAt,
        Instant parkedAt, String reason, boolean cut) {
}
