package dev.dropletworker.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.job.CommandType;
import java.util.ArrayList;
import java.util.List;

/** {@code droplet.create}: the create request as {@code POST /v2/droplets} takes it (single or multi). */
public record CreateDroplets(String commandId, String account, ObjectNode droplet) implements Command {

    @Override
    public CommandType type() {
        return CommandType.CREATE;
    }

    @Override
    public ObjectNode body() {
        return droplet;
    }

    /** The Droplet names this command creates, from {@code name} or {@code names}. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        if (droplet.hasNonNull("name")) {
            names.add(droplet.get("name").asText());
        }
        JsonNode multi = droplet.get("names");
        if (multi != null && multi.isArray()) {
            multi.forEach(n -> names.add(n.asText()));
        }
        return names;
    }
}
