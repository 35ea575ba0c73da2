package dev.dropletworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * A plain HTTP client for the simulator's tests: API calls with a bearer token, and control calls
 * through {@link SimulatorControl}.
 */
final class SimulatorClient {

    static final ObjectMapper JSON = new ObjectMapper();

    record Response(int status, HttpResponse<String> raw, JsonNode body) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        Optional<String> optionalHeader(String name) {
            return raw.headers().firstValue(name);
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final String token;
    private final SimulatorControl control;

    SimulatorClient(String baseUrl, String token) {
        this.baseUrl = baseUrl;
        this.token = token;
        this.control = new SimulatorControl(baseUrl);
    }

    SimulatorClient withToken(String other) {
        return new SimulatorClient(baseUrl, other);
    }

    Response get(String path) {
        return send("GET", path, null, token);
    }

    Response post(String path, String json) {
        return send("POST", path, json, token);
    }

    /** Sends an API request; throws {@link IOException} (unchecked) when the connection is dropped. */
    Response send(String method, String path, String json, String bearer) {
        try {
            return sendChecked(method, path, json, bearer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Response sendChecked(String method, String path, String json, String bearer) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isEmpty() ? null : JSON.readTree(response.body());
            return new Response(response.statusCode(), response, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The control API, through the one client tests and tools share. */
    SimulatorControl.Reply admin(String method, String path, String json) {
        return control.call(method, path, json);
    }

    /** A control call that must succeed; returns its body. */
    JsonNode control(String method, String path, String json) {
        return control.control(method, path, json);
    }

    long seedDroplet(String json) {
        return control.seed(json);
    }

    void reset() {
        control.reset();
    }

    JsonNode accounting() {
        return control.accounting();
    }

    /** The count accounting reports for one (token, method, endpoint, status). */
    long requestCount(String tokenLabel, String method, String endpoint, int status) {
        return control.requestCount(tokenLabel, method, endpoint, status);
    }
}
