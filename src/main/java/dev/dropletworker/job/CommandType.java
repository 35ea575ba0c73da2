package dev.dropletworker.job;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kinds of command a producer can send, by their wire name, with what each kind means for its
 * job: how it is ordered against other jobs, how its event is keyed, whether it creates Droplets.
 */
public enum CommandType {
    CREATE("droplet.create") {
        @Override
        public String orderingKey(Long dropletId, String tagName) {
            return null; // a new Droplet has no earlier job to wait for
        }
    },
    ACTION("droplet.action") {
        @Override
        public String orderingKey(Long dropletId, String tagName) {
            return "droplet:" + dropletId;
        }

        @Override
        public String eventKey(String commandId, Long dropletId) {
            return dropletId != null ? dropletId.toString() : commandId;
        }
    },
    TAG_ACTION("droplet.tag_action") {
        @Override
        public String orderingKey(Long dropletId, String tagName) {
            return "tag:" + tagName;
        }
    };

    private final String wireName;

    CommandType(String wireName) {
        this.wireName = wireName;
    }

    /** The {@code type} field of a command, as producers write it. */
    public String wireName() {
        return wireName;
    }

    public static Optional<CommandType> fromWireName(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
    }

    /**
     * Jobs sharing a key run one at a time, in the order they were recorded (null: no constraint).
     * Commands for one Droplet share one, so only one action is in flight per Droplet.
     */
    public abstract String orderingKey(Long dropletId, String tagName);

    /**
     * Kafka key of the completion event, the same as the command's: the Droplet id for per-Droplet
     * actions (one Droplet's events stay in order on one partition), else the command id.
     */
    public String eventKey(String commandId, Long dropletId) {
        return commandId;
    }

    /** The event key of a command of {@code type}, or of one whose type is not a kind (null): its command id. */
    public static String eventKey(CommandType type, String commandId, Long dropletId) {
        return type == null ? commandId : type.eventKey(commandId, dropletId);
    }

    /**
     * Whether the Droplets the command acts on are known from the command itself (its Droplet id,
     * or none for a create); a tag action's are known only once the worker has listed the tag.
     */
    public boolean targetsKnownAtIntake() {
        return this != TAG_ACTION;
    }

    /** Whether the command creates Droplets: its final step reads them, and a lost answer is looked up by tag. */
    public boolean createsDroplets() {
        return this == CREATE;
    }
}
