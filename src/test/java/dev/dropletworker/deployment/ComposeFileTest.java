package dev.dropletworker.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.simulator.DigitalOceanSimulator;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.config.SmallRyeConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code docker-compose.yml} checked offline (no Docker here) against the running service, the
 * simulator and {@code k8s/}; a copy broken on purpose shows the check would catch it.
 */
@QuarkusTest
class ComposeFileTest {

    @TestHTTPResource(value = "/", management = true)
    URL management;

    DigitalOceanSimulator simulator;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ServiceFacts service;
    private KubernetesManifests k8s;

    @BeforeEach
    void read() throws Exception {
        service = ServiceFacts.of(ConfigProvider.getConfig().unwrap(SmallRyeConfig.class), management.toURI());
        k8s = KubernetesManifests.read(KubernetesManifests.DIR);
    }

    @Test
    void theComposeFileRunsTheServiceAsItIs() {
        assertEquals(List.of(), ComposeCrossCheck.problems(ComposeCrossCheck.read(), service, k8s, this::simulatorStatus));
    }

    @Test
    void anUnknownVariableOrTheWrongHealthPortFailsTheCrossCheck() {
        JsonNode broken = ComposeCrossCheck.read();
        ObjectNode worker = (ObjectNode) broken.path("services").path("worker");
        ((ObjectNode) worker.path("environment")).put("WORKER_RELAY_INTERVALL", "1s");
        ((ArrayNode) worker.path("healthcheck").path("test")).set(1, "curl -fsS http://127.0.0.1:8080/q/health/ready");

        assertEquals(List.of(
                "worker: WORKER_RELAY_INTERVALL is not an environment variable the service reads",
                "worker: the health check asks port 8080, not the management port 9000"),
                ComposeCrossCheck.problems(broken, service, k8s, this::simulatorStatus));
    }

    @Test
    void fewerCommandPartitionsThanPodsFailsTheCrossCheck() {
        JsonNode broken = ComposeCrossCheck.read();
        ArrayNode command = (ArrayNode) broken.path("services").path("topics").path("command");
        command.set(0, command.get(0).asText().replace("create droplet-commands 6", "create droplet-commands 3"));

        assertEquals(List.of("topics: droplet-commands gets 3 partitions, but the ScaledObject runs up to 6 pods (one per partition)"),
                ComposeCrossCheck.problems(broken, service, k8s, this::simulatorStatus));
    }

    private int simulatorStatus(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
