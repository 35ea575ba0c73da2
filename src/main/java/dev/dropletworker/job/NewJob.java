package dev.dropletworker.job;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What intake knows about a command when it records it.
 *
 * @param orderingKey jobs sharing a key run one at a time in arrival order (null: no constraint)
 * @param problems for a rejected command, each problem; null otherwise
 */
public record NewJob(
        String commandId,
        String commandType,
        String account,
        Long dropletId,
        String tagName,
        String orderingKey,
        JsonNode request,
        JsonNode problems,
        String kafkaTopic,
        int kafkaPartition,
        long kafkaOffset) {
}
