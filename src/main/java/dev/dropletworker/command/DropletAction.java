package dev.dropletworker.command;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code droplet.action}: one action on one Droplet, as {@code POST /v2/droplets/{id}/actions} takes it. */
public record DropletAction(String commandId, String account, long dropletId, ObjectNode action) implements Command {

    @Override
    public CommandType type() {
        return CommandType.ACTION;
    }

    public String actionType() {
        return action.path("type").asText();
    }

    @Override
    public String eventKey() {
        return Long.toString(dropletId);
    }
}
