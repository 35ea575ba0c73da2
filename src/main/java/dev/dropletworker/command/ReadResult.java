package dev.dropletworker.command;

import dev.dropletworker.job.CommandType;
import java.util.List;

/** What reading one Kafka record as a command gave. */
public sealed interface ReadResult {

    /** A valid command, ready to become a job. */
    record Accepted(Command command) implements ReadResult {
    }

    /**
     * A command that can be answered (it has a {@code command_id}) but is invalid: it becomes a
     * {@code rejected} job and event and never reaches the API.
     *
     * @param type the command's {@code type} as sent, or null when absent or not a string
     * @param account the account as sent, or {@code default}
     * @param dropletId the command's droplet_id when it is a valid one (for per-Droplet keys), else null
     */
    record Rejected(String commandId, String type, String account, Long dropletId, List<Problem> problems)
            implements ReadResult {

        /** Kafka key of the rejected event: keyed as the command would have been. */
        public String eventKey() {
            return CommandType.eventKey(CommandType.fromWireName(type).orElse(null), commandId, dropletId);
        }
    }

    /** Not a command at all (not JSON, not an object, no usable {@code command_id}): goes to the dead-letter topic. */
    record Unreadable(String reason) implements ReadResult {
    }
}
