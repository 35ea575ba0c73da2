package dev.dropletworker.command;

import java.util.Arrays;
import java.util.Optional;

/** The kinds of command a producer can send, by their wire name. */
public enum CommandType {
    CREATE("droplet.create"),
    ACTION("droplet.action"),
    TAG_ACTION("droplet.tag_action");

    private final String wireName;

    CommandType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<CommandType> fromWireName(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
    }
}
