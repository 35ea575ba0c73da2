package dev.dropletworker.command;

import java.time.Instant;

/**
 * A record kept in the database because the dead-letter topic would not take it.
 *
 * @param key the record's key, cut to {@value DeadLetters#MAX_KEY_BYTES} bytes; null if it had none
 * @param value the record's value, cut to {@code worker.intake.dead-letter-max-value-bytes}
 * @param valueSize the value's size before any cut
 * @param reason why it is not a command
 * @param deadLetterError why the dead-letter topic did not take it
 */
public record DeadLetterView(long id, String topic, int partition, long offset, byte[] key, byte[] value,
        int valueSize, String reason, String deadLetterError, Instant receivedAt) {

    /** Whether {@link #value()} is only the start of the record's value. */
    public boolean valueCut() {
        return value != null && value.length < valueSize;
    }
}
