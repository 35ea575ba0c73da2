package dev.dropletworker.event;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How finished jobs' events get from the outbox table to Kafka. */
@ConfigMapping(prefix = "worker.relay")
public interface RelayConfig {

    /**
     * How often each pod looks for events not yet published. A commit that writes one wakes the
     * relay at once; this is the fallback, and the pace of retries after Kafka refused a send.
     */
    @WithDefault("500ms")
    Duration interval();

    /** Events published per round; the whole batch is sent before its acknowledgements are awaited. */
    @WithDefault("100")
    int batchSize();

    /**
     * How long a round waits for Kafka to acknowledge its batch. Sends still unacknowledged then are
     * left to finish (the producer retries them itself); this pod does not send those events again
     * while they are in flight.
     */
    @WithDefault("30s")
    Duration sendTimeout();

    /**
     * The largest event published as built; a larger one (thousands of actions or problems) is cut
     * down to this with {@code data.truncated} saying what was cut. Half of Kafka's default record
     * limit, leaving room for the key and headers. If the events topic takes less, the relay cuts an
     * event it refuses further.
     */
    @WithDefault("524288")
    int maxEventBytes();
}
