package dev.dropletworker;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropletworker.testsupport.WorkerTestGround;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;

/**
 * End-to-end tests of the operator API: what {@link WorkerEndToEnd} holds, plus HTTP calls with the
 * test profile's two API keys (their hashes are in application.properties).
 */
abstract class OperatorApiEndToEnd extends WorkerEndToEnd {

    static final String READ_KEY = "test-read-key-0123456789abcdef";
    static final String OPERATE_KEY = "test-operate-key-0123456789abcdef";
    static final String SECOND_ACCOUNT = WorkerTestGround.SECOND_ACCOUNT;
    private static final ObjectMapper JSON = new ObjectMapper();

    @AfterEach
    void resumeEveryAccount() {
        // A failed test must not leave an account paused for the rest of the suite.
        operator().post("/api/v1/accounts/default/resume");
        operator().post("/api/v1/accounts/" + SECOND_ACCOUNT + "/resume");
    }

    static RequestSpecification reader() {
        return given().header("X-API-Key", READ_KEY);
    }

    static RequestSpecification operator() {
        return given().header("X-API-Key", OPERATE_KEY);
    }

    /** The job of this command as the API shows it, once it exists. */
    static JsonNode awaitJob(String commandId) {
        return awaitJob(commandId, job -> true);
    }

    /** Waits until the API shows the command's job matching {@code condition}. */
    static JsonNode awaitJob(String commandId, Predicate<JsonNode> condition) {
        return Awaitility.await().atMost(EVENT_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    Response response = reader().get("/api/v1/jobs/by-command-id/{id}", commandId);
                    return response.statusCode() == 200 ? json(response) : null;
                }, job -> job != null && condition.test(job));
    }

    static Predicate<JsonNode> inState(String state) {
        return job -> state.equals(job.path("state").asText());
    }

    static JsonNode json(Response response) {
        try {
            return JSON.readTree(response.asByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + response.asString(), e);
        }
    }

    static String accountCommand(String commandId, String account, long dropletId, String type) {
        return "{\"command_id\":\"" + commandId + "\",\"account\":\"" + account + "\",\"type\":\"droplet.action\","
                + "\"droplet_id\":" + dropletId + ",\"action\":{\"type\":\"" + type + "\"}}";
    }
}
