package dev.dropletworker.job;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How long finished work is kept, so that the tables do not grow without bound. */
@ConfigMapping(prefix = "worker.retention")
public interface RetentionConfig {

    /**
     * A finished job (with its actions, history and published event) is deleted this long after it
     * finished. Jobs whose event is not yet published, or that still hold a Droplet, are kept.
     */
    @WithDefault("7d")
    Duration finishedJobs();

    /**
     * A deleted job's command_id stays known this long after the job finished, so that a command
     * read again (a consumer group reset, a replay of the topic) is not run twice. Keep it at least
     * as long as the commands topic keeps records ({@code retention.ms}, Kafka's default 7 days).
     */
    @WithDefault("14d")
    Duration commandIds();

    /** Records kept in the database because the dead-letter topic would not take them. */
    @WithDefault("30d")
    Duration deadLetters();

    /** How often one pod looks for what to delete; a full batch looks again at once. */
    @WithDefault("1m")
    Duration interval();

    /** Rows deleted per statement, so that no delete holds locks for long. */
    @WithDefault("500")
    int batchSize();
}
