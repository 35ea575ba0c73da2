package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.testsupport.TraceCollector;
import dev.dropletworker.tools.ground.CommandBus;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A producer's trace continues through the worker: from the command's {@code traceparent} header,
 * through every DigitalOcean request of its job, to the completion event's record. Here the
 * worker exports its spans (the test ground configures a collector); the packaged pods, which
 * have none, carry the trace without spans (PackagedWorkerIT).
 */
@QuarkusTest
class TracingEndToEndTest extends WorkerEndToEnd {

    private static final Random RANDOM = new Random();

    TraceCollector collector;

    @Test
    void theEventAndEveryApiRequestCarryTheCommandsTraceId() {
        String traceId = hex(16);
        String producerSpan = hex(8);
        long droplet = simulator.seedDroplet("web-traced");
        long since = simulator.lastSeq();
        String commandId = CommandBus.newCommandId("traced");

        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "reboot").getBytes(StandardCharsets.UTF_8),
                Map.of("traceparent", "00-" + traceId + "-" + producerSpan + "-01"));
        bus.awaitEvent(commandId, EVENT_TIMEOUT);

        String[] event = traceparent(eventRecord(commandId));
        assertEquals(traceId, event[1], "the event continues the command's trace");
        assertNotEquals(producerSpan, event[2], "under a span of the worker's own");
        assertEquals("01", event[3], "the producer's sampling decision is kept");

        List<JsonNode> requests = simulator.requestsSince(since).stream()
                .filter(r -> r.path("path").asText().equals("/v2/droplets/" + droplet + "/actions")
                        || r.path("endpoint").asText().equals("/v2/actions/{id}"))
                .toList();
        assertTrue(requests.stream().anyMatch(r -> "POST".equals(r.path("method").asText())), requests.toString());
        assertTrue(requests.stream().anyMatch(r -> "GET".equals(r.path("method").asText())), "a poll: " + requests);
        for (JsonNode request : requests) {
            assertFalse(request.path("traceparent").isNull(), "every request is traced: " + request);
            assertEquals(traceId, request.path("traceparent").asText().split("-")[1], request.toString());
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> collector.received(traceId));
    }

    @Test
    void aCommandWithoutATraceStartsOneThatItsEventCarries() {
        long droplet = simulator.seedDroplet("web-untraced");
        String commandId = CommandBus.newCommandId("untraced");

        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "power_cycle"));
        bus.awaitEvent(commandId, EVENT_TIMEOUT);

        String[] event = traceparent(eventRecord(commandId));
        assertEquals(32, event[1].length());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> collector.received(event[1]));
    }

    private ConsumerRecord<String, byte[]> eventRecord(String commandId) {
        return bus.events().stream().filter(r -> commandId.equals(CommandBus.subject(r))).findFirst().orElseThrow();
    }

    /** version, trace id, span id, flags */
    private static String[] traceparent(ConsumerRecord<String, byte[]> record) {
        String header = CommandBus.header(record, "traceparent");
        assertNotNull(header, "the event's record has a traceparent header");
        int headers = 0;
        for (Header ignored : record.headers().headers("traceparent")) {
            headers++;
        }
        assertEquals(1, headers, "one traceparent on the record");
        String[] parts = header.split("-");
        assertEquals(4, parts.length, header);
        return parts;
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        random[0] |= 1; // never all zero, which W3C reserves for "no trace"
        return HexFormat.of().formatHex(random);
    }
}
