package dev.dropletworker.command;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.job.CommandType;

/** {@code droplet.action}: one action on one Droplet, as {@code POST /v2/droplets/{id}/actions} takes it. */
public record DropletAction(String commandId, String account, Long dropletId, ObjectNode action) implements Command {

    @Override
    public CommandType type() {
        return CommandType.ACTION;
    }

    @Override
    public ObjectNode body() {
        return action;
    }

    public String actionType() {
        return action.path("type").asText();
    }
}
