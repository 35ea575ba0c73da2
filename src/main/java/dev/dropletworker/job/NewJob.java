package dev.dropletworker.job;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What intake knows about a command when it records it: an accepted command, to be sent, or a
 * rejected one, answered at once. Made by {@link #accepted} or {@link #rejected}.
 *
 * @param commandType as sent (a rejected command may carry any type, or none)
 * @param request the DigitalOcean request body; null for a rejected command
 * @param problems for a rejected command, each problem; null otherwise
 * @param traceParent the W3C trace context to continue (see {@link #tracedBy}), or null
 */
public record NewJob(
        String commandId,
        String commandType,
        CommandType type,
        String account,
        Long dropletId,
        String tagName,
        JsonNode request,
        JsonNode problems,
        RecordOrigin origin,
        String traceParent) {

    /** A valid command, to be sent to DigitalOcean. */
    public static NewJob accepted(CommandType type, String commandId, String account, Long dropletId, String tagName,
            JsonNode request, RecordOrigin origin) {
        return new NewJob(commandId, type.wireName(), type, account, dropletId, tagName, request, null, origin, null);
    }

    /** An invalid command: recorded {@code rejected} with each problem, and answered at once. */
    public static NewJob rejected(String commandId, String commandType, String account, Long dropletId,
            JsonNode problems, RecordOrigin origin) {
        return new NewJob(commandId, commandType, CommandType.fromWireName(commandType).orElse(null), account,
                dropletId, null, null, problems, origin, null);
    }

    /** This job, continuing the given trace (the command's traceparent, as intake keeps it). */
    public NewJob tracedBy(String traceParent) {
        return new NewJob(commandId, commandType, type, account, dropletId, tagName, request, problems, origin,
                traceParent);
    }

    boolean isRejected() {
        return problems != null;
    }

    /** Jobs sharing a key run one at a time in arrival order; a rejected job waits for nothing. */
    String orderingKey() {
        return isRejected() || type == null ? null : type.orderingKey(dropletId, tagName);
    }
}
