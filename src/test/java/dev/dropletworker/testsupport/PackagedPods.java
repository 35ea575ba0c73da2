package dev.dropletworker.testsupport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropletworker.tools.ground.GroundServers;
import dev.dropletworker.tools.ground.WorkerProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Packaged workers ({@code target/quarkus-app/quarkus-run.jar}) run as pods on one test ground,
 * configured only through their environment, with short leases and polls so that tests of
 * crashes and outages run in seconds. Each pod logs to {@code target/packaged-<name>.log}.
 */
public final class PackagedPods implements AutoCloseable {

    /**
     * Rounds, polls and group membership short enough for a test: a pod's role loops run every
     * 200 ms and a departed consumer leaves the group after 6 s (the broker's minimum).
     */
    public static final Map<String, String> QUICK_ROUNDS = Map.of(
            "WORKER_KAFKA_SESSION_TIMEOUT_MS", "6000",
            "WORKER_DISPATCH_INTERVAL", "200ms",
            "WORKER_TRACKING_INTERVAL", "200ms",
            "WORKER_TRACKING_FIRST_POLL", "200ms",
            "WORKER_TRACKING_MIN_POLL_INTERVAL", "200ms",
            "WORKER_TRACKING_MAX_POLL_INTERVAL", "500ms",
            "WORKER_RELAY_INTERVAL", "200ms");

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final GroundServers ground;
    private final String token;
    private final List<WorkerProcess> pods = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();

    public PackagedPods(GroundServers ground, String token) {
        this.ground = ground;
        this.token = token;
    }

    /** Starts a pod and waits until it is ready; {@code settings} are environment variables on top. */
    public WorkerProcess start(String name, Map<String, String> settings) throws IOException, InterruptedException {
        Map<String, String> env = ground.workerEnvironment(token);
        env.put("HOSTNAME", name);
        // The most talkative setting an operator might choose: even then no token may show.
        env.put("QUARKUS_LOG_CATEGORY__DEV_DROPLETWORKER__LEVEL", "DEBUG");
        // Short leases and polls, so that a dead pod's claims come back within seconds.
        env.put("WORKER_DISPATCH_LEASE", "3s");
        env.put("WORKER_TRACKING_LEASE", "3s");
        env.putAll(QUICK_ROUNDS);
        env.putAll(settings);
        Path log = Path.of("target", "packaged-" + name + ".log");
        WorkerProcess pod = WorkerProcess.launch(JAR, env, WorkerProcess.Ports.free(), log);
        pods.add(pod);
        logs.add(log);
        assertTrue(pod.awaitReady(Duration.ofSeconds(90)), name + " became ready; see " + log);
        return pod;
    }

    public List<Path> logs() {
        return List.copyOf(logs);
    }

    /** GET on one of the pod's application paths. */
    public static HttpResponse<String> get(WorkerProcess pod, String path) throws IOException, InterruptedException {
        return get(pod.url() + path);
    }

    /** GET on a URL of a pod (its {@link WorkerProcess#healthUrl} or {@link WorkerProcess#metricsUrl}, say). */
    public static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The HTTP status of a health path, or -1 when the pod does not answer. */
    public static int health(WorkerProcess pod, String which) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(pod.healthUrl(which)))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        pods.forEach(WorkerProcess::stop);
    }
}
