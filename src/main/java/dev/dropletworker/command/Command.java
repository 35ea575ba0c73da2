package dev.dropletworker.command;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.job.CommandType;
import dev.dropletworker.job.NewJob;
import dev.dropletworker.job.RecordOrigin;

/**
 * A command that passed validation. Bodies are kept as the JSON that DigitalOcean takes, so what
 * the producer asked for is exactly what the worker sends.
 */
public sealed interface Command permits CreateDroplets, DropletAction, TagAction {

    /** Producer-chosen idempotency key. */
    String commandId();

    /** Selects the configured DigitalOcean token; {@code default} when the command names none. */
    String account();

    CommandType type();

    /** The request DigitalOcean takes: the create body, or the action body. */
    ObjectNode body();

    /** The Droplet a per-Droplet action is for; null for other kinds. */
    default Long dropletId() {
        return null;
    }

    /** The tag a tag action is for; null for other kinds. */
    default String tagName() {
        return null;
    }

    /** Kafka key of this command's event. */
    default String eventKey() {
        return type().eventKey(commandId(), dropletId());
    }

    /** The job intake records for this command. */
    default NewJob toNewJob(RecordOrigin origin) {
        return NewJob.accepted(type(), commandId(), account(), dropletId(), tagName(), body(), origin);
    }
}
