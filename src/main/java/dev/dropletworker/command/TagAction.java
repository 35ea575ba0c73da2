package dev.dropletworker.command;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.job.CommandType;

/** {@code droplet.tag_action}: one action on every Droplet with a tag ({@code POST /v2/droplets/actions?tag_name=}). */
public record TagAction(String commandId, String account, String tagName, ObjectNode action) implements Command {

    @Override
    public CommandType type() {
        return CommandType.TAG_ACTION;
    }

    @Override
    public ObjectNode body() {
        return action;
    }

    public String actionType() {
        return action.path("type").asText();
    }
}
