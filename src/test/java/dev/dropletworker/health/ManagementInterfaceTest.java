package dev.dropletworker.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Health and metrics are served on the management interface, and only there. */
@QuarkusTest
class ManagementInterfaceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TestHTTPResource(value = "/health/ready", management = true)
    URL ready;

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    @TestHTTPResource("/q/health/ready")
    URL readyOnApplicationPort;

    @Test
    void healthAndMetricsAnswerOnTheManagementPortOnly() throws Exception {
        HttpResponse<String> health = get(ready);
        assertEquals(200, health.statusCode(), health.body());
        JsonNode body = JSON.readTree(health.body());
        assertEquals("UP", body.path("status").asText());
        assertTrue(body.path("checks").findValuesAsText("name").contains("digitalocean-accounts"), health.body());

        HttpResponse<String> scrape = get(metrics);
        assertEquals(200, scrape.statusCode());
        assertTrue(scrape.body().contains("dropletworker_"), "the worker's own metrics are in the scrape");

        assertEquals(404, get(readyOnApplicationPort).statusCode());
        assertTrue(ready.getPort() != readyOnApplicationPort.getPort(), ready + " vs " + readyOnApplicationPort);
    }

    private HttpResponse<String> get(URL url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url.toString())).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
