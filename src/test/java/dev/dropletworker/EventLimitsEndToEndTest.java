package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.event.OutboxRelay;
import dev.dropletworker.event.ParkedEvent;
import dev.dropletworker.event.ParkedEvents;
import dev.dropletworker.job.JobView;
import dev.dropletworker.tools.ground.CommandBus;
import dev.dropletworker.tools.ground.KafkaBroker;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Every job gets its event, whatever Kafka says to it: an event too large for the events topic is
 * cut down and published; one refused for another lasting reason is parked, holds back no other,
 * and goes out once an operator publishes it again.
 */
@QuarkusTest
class EventLimitsEndToEndTest extends WorkerEndToEnd {

    KafkaBroker broker;

    @Inject
    OutboxRelay relay;

    @Inject
    ParkedEvents parked;

    @Test
    void anEventTooLargeForTheEventsTopicIsCutDownAndStillPublished() {
        ObjectNode create = createCommand("cut-" + java.util.UUID.randomUUID().toString().substring(0, 8), 3);
        broker.topicConfig(CommandBus.EVENTS, "max.message.bytes", "1500"); // a create's event of 3 is ~4 KB
        try {
            String commandId = create.get("command_id").asText();
            bus.send(commandId, create.toString());
            JsonNode event = bus.awaitEvent(commandId, EVENT_TIMEOUT);

            JsonNode data = event.path("data");
            assertEquals("completed", data.path("outcome").asText(), event.toString());
            assertEquals(jobs.findByCommandId(commandId).orElseThrow().id().toString(), event.path("id").asText(),
                    "the same event, cut: its id is the job's");
            assertTrue(data.path("truncated").path("reason").asText().contains("too large"), event.toString());
            assertTrue(data.path("truncated").path("original_bytes").asInt() > 1500, event.toString());
            assertTrue(data.path("truncated").path("omitted").toString().contains("droplets"), event.toString());
        } finally {
            broker.topicConfig(CommandBus.EVENTS, "max.message.bytes", null);
        }
    }

    @Test
    void anEventRefusedForGoodIsParkedHoldsBackNoOtherAndGoesOutWhenPublishedAgain() {
        relay.pause();
        String stale = CommandBus.newCommandId("stale");
        JobView staleJob;
        try {
            long droplet = simulator.seedDroplet("stale-" + stale.substring(6, 14));
            bus.send(Long.toString(droplet), actionCommand(stale, droplet, "power_on"));
            staleJob = Awaitility.await().atMost(EVENT_TIMEOUT)
                    .until(() -> jobs.findByCommandId(stale).orElse(null), j -> j != null && j.state().isTerminal());
            // The topic now refuses records stamped more than 3 s ago, as this event is once relayed.
            broker.topicConfig(CommandBus.EVENTS, "message.timestamp.before.max.ms", "3000");
            Instant finished = staleJob.finishedAt();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(finished.plusSeconds(4)));
        } finally {
            relay.resume();
        }
        try {
            // Kafka's producer and SmallRye retry a refused send for up to the delivery timeout (30 s).
            ParkedEvent parkedEvent = Awaitility.await().atMost(Duration.ofSeconds(90))
                    .until(() -> parked.get(staleJob.id()).orElse(null), p -> p != null);
            assertTrue(parkedEvent.reason().contains("InvalidTimestampException"), parkedEvent.reason());

            long other = simulator.seedDroplet("fresh-" + stale.substring(6, 14));
            String fresh = CommandBus.newCommandId("fresh");
            bus.send(Long.toString(other), actionCommand(fresh, other, "power_on"));
            assertEquals("completed", bus.awaitEvent(fresh, EVENT_TIMEOUT).path("data").path("outcome").asText());
            assertTrue(bus.eventsFor(stale).isEmpty(), "the parked event was not published");
        } finally {
            broker.topicConfig(CommandBus.EVENTS, "message.timestamp.before.max.ms", null);
        }

        assertTrue(parked.publishAgain(staleJob.id()));
        JsonNode event = bus.awaitEvent(stale, EVENT_TIMEOUT);
        assertEquals(staleJob.id().toString(), event.path("id").asText());
        assertFalse(parked.get(staleJob.id()).isPresent());
    }
}
