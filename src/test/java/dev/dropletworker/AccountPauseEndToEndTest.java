package dev.dropletworker;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.tools.ground.CommandBus;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pausing an account's dispatch: its commands are taken in and wait, other accounts go on, actions
 * already running are followed to their end, and the pause shows in readiness (still UP) and metrics.
 */
@QuarkusTest
class AccountPauseEndToEndTest extends OperatorApiEndToEnd {

    @TestHTTPResource(value = "/health/ready", management = true)
    URL ready;

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    @AfterEach
    void restoreActionDurations() {
        simulator.actionDurations(Map.of("snapshot", 300L));
    }

    @Test
    void pauseHoldsDispatchForThatAccountOnlyAndResumeReleasesIt() {
        long pausedDroplet = simulator.seedDroplet("paused-account");
        long otherDroplet = simulator.seedDroplet("other-account");
        operator().contentType("application/json").body("{\"reason\":\"token revoked\"}")
                .post("/api/v1/accounts/" + SECOND_ACCOUNT + "/pause").then().statusCode(200)
                .body("paused", is(true)).body("paused_by", containsString("test-operator"))
                .body("pause_reason", is("token revoked"));
        long since = simulator.lastSeq();

        String held = CommandBus.newCommandId("paused");
        bus.send(Long.toString(pausedDroplet), accountCommand(held, SECOND_ACCOUNT, pausedDroplet, "reboot"));
        String free = CommandBus.newCommandId("not-paused");
        bus.send(Long.toString(otherDroplet), actionCommand(free, otherDroplet, "reboot"));

        assertEquals("completed", bus.awaitEvent(free, EVENT_TIMEOUT).path("data").path("outcome").asText());
        JsonNode waiting = awaitJob(held);
        assertEquals("received", waiting.path("state").asText(), "taken in, and waiting");
        reader().get("/api/v1/accounts/" + SECOND_ACCOUNT).then().statusCode(200)
                .body("paused", is(true)).body("waiting_jobs", is(1));
        // Two dispatch intervals more, and still nothing sent for the paused account.
        Awaitility.await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> true);
        assertEquals(0, posts(since, "/v2/droplets/" + pausedDroplet + "/actions").size());
        assertEquals("received", awaitJob(held).path("state").asText());

        operator().post("/api/v1/accounts/" + SECOND_ACCOUNT + "/resume").then().statusCode(200)
                .body("paused", is(false));
        assertEquals("completed", bus.awaitEvent(held, EVENT_TIMEOUT).path("data").path("outcome").asText());
        assertEquals(1, posts(since, "/v2/droplets/" + pausedDroplet + "/actions").size());
    }

    @Test
    void actionsAlreadyRunningAreFollowedToTheirEndWhileTheAccountIsPaused() {
        // Long enough for the test to see it running on a loaded machine before it ends.
        simulator.actionDurations(Map.of("snapshot", 6000L));
        long droplet = simulator.seedDroplet("paused-while-running");
        String commandId = CommandBus.newCommandId("paused-running");
        bus.send(Long.toString(droplet), accountCommand(commandId, SECOND_ACCOUNT, droplet, "snapshot"));
        awaitJob(commandId, inState("in_progress"));

        operator().contentType("application/json").body("{}")
                .post("/api/v1/accounts/" + SECOND_ACCOUNT + "/pause").then().statusCode(200);

        JsonNode event = bus.awaitEvent(commandId, EVENT_TIMEOUT);
        assertEquals("completed", event.path("data").path("outcome").asText());
    }

    @Test
    void aPauseShowsInReadinessDataAndMetricsWhileReadinessStaysUp() {
        operator().contentType("application/json").body("{}")
                .post("/api/v1/accounts/" + SECOND_ACCOUNT + "/pause").then().statusCode(200);

        given().get(ready).then().statusCode(200).body("status", is("UP"))
                .body("checks.find { it.name == 'digitalocean-accounts' }.data.paused", is(SECOND_ACCOUNT));
        String scrape = given().get(metrics).then().statusCode(200).extract().asString();
        assertTrue(scrape.contains("dropletworker_account_paused{account=\"" + SECOND_ACCOUNT + "\"} 1.0"), scrape
                .lines().filter(l -> l.contains("account_paused")).toList().toString());
        assertTrue(scrape.contains("dropletworker_account_paused{account=\"default\"} 0.0"));

        operator().post("/api/v1/accounts/" + SECOND_ACCOUNT + "/resume").then().statusCode(200);
        given().get(ready).then().statusCode(200)
                .body("checks.find { it.name == 'digitalocean-accounts' }.data.paused", is(""));
        assertTrue(given().get(metrics).then().extract().asString()
                .contains("dropletworker_account_paused{account=\"" + SECOND_ACCOUNT + "\"} 0.0"));
    }

    @Test
    void pausingAnAccountWithoutATokenIsNotFound() {
        operator().contentType("application/json").body("{}").post("/api/v1/accounts/no-such-account/pause").then()
                .statusCode(404).body("error", is("not_found"));
    }
}
