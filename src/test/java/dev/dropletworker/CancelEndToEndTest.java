package dev.dropletworker;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.tools.ground.CommandBus;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An operator's cancel: only of a job that never sent a request, answered by a cancelled event. */
@QuarkusTest
class CancelEndToEndTest extends OperatorApiEndToEnd {

    @AfterEach
    void restoreActionDurations() {
        simulator.actionDurations(Map.of("snapshot", 300L));
    }

    @Test
    void cancelBeforeSubmissionGivesACancelledEventAndNoPost() {
        long droplet = simulator.seedDroplet("cancel-before");
        operator().contentType("application/json").body("{}")
                .post("/api/v1/accounts/" + SECOND_ACCOUNT + "/pause").then().statusCode(200);
        long since = simulator.lastSeq();
        String commandId = CommandBus.newCommandId("cancel-before");
        bus.send(Long.toString(droplet), accountCommand(commandId, SECOND_ACCOUNT, droplet, "power_off"));
        JsonNode waiting = awaitJob(commandId);
        assertEquals("received", waiting.path("state").asText());
        assertTrue(waiting.path("cancellable").asBoolean());

        operator().post("/api/v1/jobs/{id}/cancel", waiting.path("id").asText()).then().statusCode(200)
                .body("state", is("cancelled")).body("outcome", is("cancelled"));
        operator().post("/api/v1/accounts/" + SECOND_ACCOUNT + "/resume").then().statusCode(200);

        JsonNode event = bus.awaitEvent(commandId, EVENT_TIMEOUT);
        assertEquals("dev.dropletworker.job.cancelled", event.path("type").asText());
        assertEquals("cancelled", event.path("data").path("outcome").asText());
        assertEquals(waiting.path("id").asText(), event.path("id").asText());
        assertEquals(0, event.path("data").path("attempts").asInt());
        // A command sent after it on the same Droplet is answered: by then the cancelled one would have run.
        String marker = CommandBus.newCommandId("cancel-marker");
        bus.send(Long.toString(droplet), accountCommand(marker, SECOND_ACCOUNT, droplet, "power_on"));
        bus.awaitEvent(marker, EVENT_TIMEOUT);
        assertEquals(0, posts(since, "/v2/droplets/" + droplet + "/actions").stream()
                .filter(r -> "power_off".equals(r.path("body").path("type").asText())).count(), "no POST");
        assertEquals(1, bus.eventsFor(commandId).size());
    }

    /** A claim the rate budget turned away sent nothing: the job is still the operator's to cancel. */
    @Test
    void aJobTheRateBudgetTurnedAwayCanBeCancelled() {
        long droplet = simulator.seedDroplet("cancel-budget");
        // Another client of the token got a 429 with retry-after: the worker sends nothing for 5 s.
        anotherClientWasRateLimited(Duration.ofSeconds(5));
        long since = simulator.lastSeq();
        String commandId = CommandBus.newCommandId("cancel-budget");
        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "power_off"));
        JsonNode waiting = awaitJob(commandId, job -> StreamSupport.stream(job.path("transitions").spliterator(), false)
                .anyMatch(t -> "waiting for rate budget".equals(t.path("detail").asText())));
        assertNull(waiting.path("sent_at").textValue(), waiting.toString());
        assertTrue(waiting.path("cancellable").asBoolean(), waiting.toString());

        operator().post("/api/v1/jobs/{id}/cancel", waiting.path("id").asText()).then().statusCode(200)
                .body("outcome", is("cancelled"));

        assertEquals("cancelled", bus.awaitEvent(commandId, EVENT_TIMEOUT).path("data").path("outcome").asText());
        assertEquals(0, posts(since, "/v2/droplets/" + droplet + "/actions").size(), "no POST");
    }

    @Test
    void cancelAfterSubmissionIsRefusedWithTheReason() {
        simulator.actionDurations(Map.of("snapshot", 3000L));
        long droplet = simulator.seedDroplet("cancel-after");
        String commandId = CommandBus.newCommandId("cancel-after");
        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "snapshot"));
        JsonNode running = awaitJob(commandId, inState("in_progress"));
        assertEquals(false, running.path("cancellable").asBoolean());

        operator().post("/api/v1/jobs/{id}/cancel", running.path("id").asText()).then().statusCode(409)
                .body("error", is("conflict"))
                .body("message", containsString("was sent to DigitalOcean"));

        JsonNode event = bus.awaitEvent(commandId, EVENT_TIMEOUT);
        assertEquals("completed", event.path("data").path("outcome").asText(), "the job went on as if never asked");
        operator().post("/api/v1/jobs/{id}/cancel", running.path("id").asText()).then().statusCode(409)
                .body("message", containsString("already ended completed"));
    }
}
