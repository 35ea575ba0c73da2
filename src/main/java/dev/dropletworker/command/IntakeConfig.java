package dev.dropletworker.command;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Limits on what intake reads, and how it waits out the outages it cannot answer for. */
@ConfigMapping(prefix = "worker.intake")
public interface IntakeConfig {

    /**
     * The largest record value read as a command; a larger one is dead-lettered unread. A command
     * needs far less (its largest field, {@code user_data}, may hold 64 KiB).
     */
    @WithDefault("1048576")
    int maxCommandBytes();

    /**
     * The most of a record's value its dead-letter copy carries; a longer value is cut, and the copy
     * says so in a {@code dead-letter-truncated} header. Keeps the copy, with its headers, under the
     * dead-letter topic's limit.
     */
    @WithDefault("262144")
    int deadLetterMaxValueBytes();

    /**
     * How long a dead-letter copy may take to be acknowledged. If the topic has not taken it by then
     * (broker away, topic refusing it) the record is kept in the database instead.
     */
    @WithDefault("10s")
    Duration deadLetterTimeout();

    /**
     * While PostgreSQL is unreachable intake holds the record it is on and tries again, waiting this
     * long at first and doubling up to {@link #databaseRetryMax()}. Nothing is skipped.
     */
    @WithDefault("500ms")
    Duration databaseRetryMin();

    /** The longest wait between two tries while PostgreSQL is unreachable. */
    @WithDefault("15s")
    Duration databaseRetryMax();

    /**
     * The most records intake's writer records in one transaction: under a burst, one commit
     * answers this many commands.
     */
    @WithDefault("100")
    int batchSize();

    /**
     * Records handed over by the consumer and waiting for the writer, at most (beyond this, or
     * {@link #queueBytes()}, the consumer waits).
     */
    @WithDefault("200")
    int queueRecords();

    /** Bytes of record values waiting for the writer, at most: a flood of large records queues few. */
    @WithDefault("4194304")
    long queueBytes();
}
