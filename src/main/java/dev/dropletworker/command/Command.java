package dev.dropletworker.command;

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

    /** Kafka key of the completion event: the Droplet id for per-Droplet actions, else the command id. */
    default String eventKey() {
        return commandId();
    }
}
