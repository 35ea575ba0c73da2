package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.budget.BudgetConfig;
import dev.dropletworker.budget.BudgetExhausted;
import dev.dropletworker.budget.RateBudget;
import dev.dropletworker.job.JobView;
import dev.dropletworker.tools.ground.CommandBus;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.persistence.EntityManager;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What users hit with the real API, injected by the simulator: answers lost after the request took
 * effect, 5xx, new Droplets that 404 for a while. The worker must neither duplicate nor give up early.
 */
@QuarkusTest
class FaultToleranceEndToEndTest extends WorkerEndToEnd {

    @Inject
    BudgetConfig budgetConfig;

    @Inject
    EntityManager em;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration TIMEOUT = EVENT_TIMEOUT;

    @AfterEach
    void clearFaults() {
        simulator.clearFaults();
    }

    @ParameterizedTest(name = "answer lost as {0}")
    @ValueSource(strings = {"server_error", "reset"})
    void createWhoseAnswerIsLostIsFoundAndNotRepeated(String lostAs) {
        simulator.faults(Map.of("applied_but_lost_rate", 1, "applied_but_lost_response", lostAs,
                "endpoints", List.of("POST /v2/droplets")));
        String name = "lost-" + UUID.randomUUID().toString().substring(0, 8);
        ObjectNode command = createCommand(name, 1);
        long since = simulator.lastSeq();

        JsonNode event = send(command);

        JsonNode data = event.path("data");
        assertEquals("completed", data.path("outcome").asText(), event.toString());
        assertEquals(1, data.path("droplets").size());
        assertEquals(name, data.path("droplets").path(0).path("name").asText());
        assertEquals(1, posts(since, "/v2/droplets").size(), "the create was sent once, then looked for");
        String jobTag = "droplet-worker:job-" + event.path("id").asText();
        assertEquals(1, simulator.accounting().path("droplets_created_per_tag").path(jobTag).asInt(),
                "exactly one Droplet exists for the job");
    }

    @Test
    void multiCreateWhoseAnswerIsLostIsFoundWhole() {
        simulator.faults(Map.of("applied_but_lost_rate", 1, "endpoints", List.of("POST /v2/droplets")));
        ObjectNode command = createCommand("lost-multi-" + UUID.randomUUID().toString().substring(0, 8), 3);
        long since = simulator.lastSeq();

        JsonNode data = send(command).path("data");

        assertEquals("completed", data.path("outcome").asText(), data.toString());
        assertEquals(3, data.path("droplets").size());
        assertEquals(3, data.path("actions").size());
        assertEquals(1, posts(since, "/v2/droplets").size());
    }

    @Test
    void actionWhoseAnswerIsLostIsFoundAndNotSentAgain() {
        long droplet = simulator.seedDroplet("lost-action");
        simulator.faults(Map.of("applied_but_lost_rate", 1, "endpoints", List.of("POST /v2/droplets/{id}/actions")));
        String commandId = CommandBus.newCommandId("lost-action");
        long since = simulator.lastSeq();

        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "reboot"));
        JsonNode event = bus.awaitEvent(commandId, TIMEOUT);

        assertEquals("completed", event.path("data").path("outcome").asText(), event.toString());
        assertEquals(1, posts(since, "/v2/droplets/" + droplet + "/actions").size());
        assertEquals(1, event.path("data").path("actions").size());
        assertEquals("reboot", event.path("data").path("actions").path(0).path("type").asText());
    }

    @Test
    void bulkActionWhoseAnswerIsLostIsFoundAndNotSentAgain() {
        String tag = "lost-bulk-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < 3; i++) {
            simulator.seedDroplet(tag + "-" + i, tag);
        }
        simulator.faults(Map.of("applied_but_lost_rate", 1, "endpoints", List.of("POST /v2/droplets/actions")));
        ObjectNode command = tagCommand("lost-bulk", tag, "snapshot");
        ((ObjectNode) command.get("action")).put("name", "nightly");
        long since = simulator.lastSeq();

        JsonNode event = send(command);

        assertEquals("completed", event.path("data").path("outcome").asText(), event.toString());
        assertEquals(3, event.path("data").path("actions").size());
        assertEquals(1, posts(since, "/v2/droplets/actions").size(), "no second snapshot of every Droplet");
    }

    @Test
    void serverErrorsAreRetriedAndTheJobCompletesOnceTheyStop() {
        long droplet = simulator.seedDroplet("flaky");
        simulator.faults(Map.of("server_error_rate", 1, "endpoints", List.of("POST /v2/droplets/{id}/actions")));
        String commandId = CommandBus.newCommandId("flaky");
        long since = simulator.lastSeq();

        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "power_cycle"));
        Awaitility.await().atMost(TIMEOUT).until(() -> posts(since, "/v2/droplets/" + droplet + "/actions").stream()
                .anyMatch(r -> r.path("status").asInt() == 500));
        simulator.clearFaults();
        JsonNode event = bus.awaitEvent(commandId, TIMEOUT);

        assertEquals("completed", event.path("data").path("outcome").asText(), event.toString());
        assertTrue(event.path("data").path("attempts").asInt() >= 2);
        assertEquals(1, posts(since, "/v2/droplets/" + droplet + "/actions").stream()
                .filter(r -> r.path("status").asInt() == 201).count());
    }

    @Test
    void persistentServerErrorsFailTheJobAfterTheLastAttempt() {
        long droplet = simulator.seedDroplet("broken");
        simulator.faults(Map.of("server_error_rate", 1, "endpoints", List.of("POST /v2/droplets/{id}/actions")));
        String commandId = CommandBus.newCommandId("broken");

        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "power_on"));
        JsonNode event = bus.awaitEvent(commandId, TIMEOUT);

        JsonNode data = event.path("data");
        assertEquals("failed", data.path("outcome").asText(), event.toString());
        assertEquals("retries_exhausted", data.path("error").path("reason").asText());
        assertEquals(500, data.path("error").path("http_status").asInt());
        assertEquals("server_error", data.path("error").path("id").asText());
        assertFalse(data.path("error").path("request_id").asText().isBlank());
        assertEquals(5, data.path("attempts").asInt());
    }

    @Test
    void aRateLimitedTokenHoldsItsJobsUntilTheBudgetReturnsWithoutChurn() {
        long droplet = simulator.seedDroplet("throttled");
        // Another client of the same token got a 429 with retry-after: every pod must hold off.
        anotherClientWasRateLimited(Duration.ofSeconds(3));
        Instant paused = Instant.now();
        String commandId = CommandBus.newCommandId("throttled");
        long since = simulator.lastSeq();

        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "power_on"));
        JsonNode event = bus.awaitEvent(commandId, TIMEOUT);

        assertEquals("completed", event.path("data").path("outcome").asText());
        JsonNode first = simulator.requestsSince(since).get(0);
        Instant firstRequest = Instant.parse(first.path("time").asText());
        // The simulator logs whole seconds: allow for the truncation of up to one.
        assertFalse(firstRequest.isBefore(paused.plusSeconds(2).truncatedTo(ChronoUnit.SECONDS)),
                "nothing was sent during the pause, which began at " + paused + ": " + first);
        JobView job = jobs.findByCommandId(commandId).orElseThrow();
        long waits = jobs.transitionsOf(job.id()).stream().filter(t -> "waiting for rate budget".equals(t.detail())).count();
        assertTrue(waits <= 2, "the job was not claimed over and over during the pause: " + waits);
        assertEquals(1, event.path("data").path("attempts").asInt());
    }

    @Test
    void aMultiCreateFinishesWhileAnotherClientKeepsTheBudgetScarce() {
        // The worker rarely has more than one request at a time: the final reads of ten Droplets
        // must add up across rounds.
        ObjectNode command = createCommand("scarce-" + UUID.randomUUID().toString().substring(0, 8), 10);

        JsonNode data = whileTheBudgetIsScarce(() -> send(command, Duration.ofSeconds(90))).path("data");

        assertEquals("completed", data.path("outcome").asText(), data.toString());
        assertEquals(10, data.path("droplets").size());
        data.path("droplets").forEach(d -> assertEquals("active", d.path("status").asText(), d.toString()));
    }

    @Test
    void aLostMultiCreateIsFoundWhileAnotherClientKeepsTheBudgetScarce() {
        // Finding it takes a tag listing and one read per Droplet in the same round: requested one
        // at a time, the first would use up every round's token and the rest would never come.
        simulator.faults(Map.of("applied_but_lost_rate", 1, "endpoints", List.of("POST /v2/droplets")));
        ObjectNode command = createCommand("scarce-lost-" + UUID.randomUUID().toString().substring(0, 8), 4);
        long since = simulator.lastSeq();

        JsonNode data = whileTheBudgetIsScarce(() -> send(command, Duration.ofSeconds(60))).path("data");

        assertEquals("completed", data.path("outcome").asText(), data.toString());
        assertEquals(4, data.path("droplets").size());
        assertEquals(4, data.path("actions").size());
        assertEquals(1, posts(since, "/v2/droplets").size());
    }

    @Test
    void aLostBulkActionIsFoundWithTwoReadsWhateverTheNumberOfDroplets() {
        String tag = "lost-wide-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> perDropletListings = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            perDropletListings.add("/v2/droplets/" + simulator.seedDroplet(tag + "-" + i, tag) + "/actions");
        }
        simulator.faults(Map.of("applied_but_lost_rate", 1, "endpoints", List.of("POST /v2/droplets/actions")));
        ObjectNode command = tagCommand("lost-wide", tag, "power_off");
        long since = simulator.lastSeq();

        JsonNode event = send(command);

        assertEquals("completed", event.path("data").path("outcome").asText(), event.toString());
        assertEquals(12, event.path("data").path("actions").size());
        assertEquals(1, posts(since, "/v2/droplets/actions").size());
        List<JsonNode> listings = simulator.requestsSince(since).stream()
                .filter(r -> "GET".equals(r.path("method").asText())
                        && perDropletListings.contains(r.path("path").asText()))
                .toList();
        assertEquals(List.of(), listings, "no per-Droplet action listing");
    }

    /**
     * Runs {@code step} while another user of the token (a second pod, say) takes every request
     * the budget refills, a little faster than it refills.
     */
    private <T> T whileTheBudgetIsScarce(Supplier<T> step) {
        AtomicBoolean draining = new AtomicBoolean(true);
        Thread drainer = new Thread(() -> {
            while (draining.get()) {
                try {
                    budget.take(token);
                } catch (BudgetExhausted exhausted) {
                    // nothing left at this moment
                }
                try {
                    Thread.sleep(200); // four refill a second: the bucket stays near empty
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "budget-drainer");
        // The minute is used up, its requests leaving the window one every 250 ms: from now on the
        // two clients share what frees.
        fillTheMinuteToFreeSteadily();
        drainer.start();
        try {
            return step.get();
        } finally {
            draining.set(false);
            try {
                drainer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Takes the whole minute, then spreads its requests so that one leaves the window every 250 ms. */
    private void fillTheMinuteToFreeSteadily() {
        for (int i = 0; i <= 2 * budgetConfig.perMinute(); i++) {
            try {
                budget.take(token, RateBudget.Purpose.FOLLOW_UP);
            } catch (BudgetExhausted e) {
                break;
            }
        }
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                update budget_request b set at = now() - interval '61 seconds' + r.n * interval '250 milliseconds'
                from (select id, row_number() over (order by at, id) as n from budget_request
                      where token_key = encode(sha256(convert_to(:token, 'UTF8')), 'hex')
                        -- the requests still counted: those before the mark a take has counted out
                        and at > (select minute_mark from rate_budget where token_key = budget_request.token_key)) r
                where b.id = r.id""").setParameter("token", token).executeUpdate());
    }

    @Test
    void newDropletThatStill404sIsReadAgainBeforeItIsReported() {
        simulator.faults(Map.of("not_found_after_create_ms", 1500));
        ObjectNode command = createCommand("slow-" + UUID.randomUUID().toString().substring(0, 8), 1);

        JsonNode droplet = send(command).path("data").path("droplets").path(0);

        assertEquals("active", droplet.path("status").asText(), droplet.toString());
        assertFalse(droplet.path("networks").path("v4").isEmpty());
    }

    private JsonNode send(ObjectNode command) {
        return send(command, TIMEOUT);
    }

    private JsonNode send(ObjectNode command, Duration timeout) {
        String commandId = command.get("command_id").asText();
        bus.send(commandId, command.toString());
        return bus.awaitEvent(commandId, timeout);
    }
}
