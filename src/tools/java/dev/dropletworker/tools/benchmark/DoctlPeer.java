package dev.dropletworker.tools.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The peer the worker is measured against: what a team gets from
 * {@code xargs -P 50 doctl compute droplet-action reboot <id> --wait}. Each of {@code parallel}
 * lanes takes the next Droplet, POSTs the action, then reads {@code GET /v2/actions/{id}} at once
 * and every {@code pollEvery} (doctl's fixed 5 s {@code actionWait}) until the status is other than
 * {@code in-progress}; every request goes through {@link GodoRetry}. A request that still fails
 * after its retries ends that command with an error, as doctl exits.
 *
 * <p>Counted like the worker: the window starts at the first accepted POST; once it has passed no
 * lane takes another Droplet, and the commands already started are waited for (the drain).
 */
final class DoctlPeer {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One command: when its accepted POST went out (null if none was), and how it ended:
     * {@code completed}, {@code errored}, or {@code failed} when a request failed for good.
     */
    record Command(long dropletId, Instant postSentAt, String outcome) {
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final String baseUrl;
    private final String token;
    private final int parallel;
    private final Duration pollEvery;
    private final GodoRetry retry;
    private final Duration window;
    private final AtomicReference<Instant> firstPost = new AtomicReference<>();
    private final List<Command> commands = new CopyOnWriteArrayList<>();
    private CountDownLatch lanesDone;

    DoctlPeer(String baseUrl, String token, int parallel, Duration pollEvery, GodoRetry retry, Duration window) {
        this.baseUrl = baseUrl;
        this.token = token;
        this.parallel = parallel;
        this.pollEvery = pollEvery;
        this.retry = retry;
        this.window = window;
    }

    /** Starts the lanes over these Droplets and returns at once. */
    void start(List<Long> droplets) {
        Queue<Long> todo = new ConcurrentLinkedQueue<>(droplets);
        lanesDone = new CountDownLatch(parallel);
        for (int i = 0; i < parallel; i++) {
            Thread lane = new Thread(() -> {
                try {
                    run(todo);
                } finally {
                    lanesDone.countDown();
                }
            }, "peer-lane-" + i);
            lane.setDaemon(true);
            lane.start();
        }
    }

    /** When the window ends: known once the first POST was accepted. */
    Optional<Instant> windowEnd() {
        return Optional.ofNullable(firstPost.get()).map(first -> first.plus(window));
    }

    Optional<Instant> windowStart() {
        return Optional.ofNullable(firstPost.get());
    }

    /** Waits for every lane to finish its last command; false if the time ran out. */
    boolean awaitDrained(Duration timeout) throws InterruptedException {
        return lanesDone.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Every command started so far. */
    List<Command> commands() {
        return new ArrayList<>(commands);
    }

    private void run(Queue<Long> todo) {
        Long droplet;
        while ((droplet = todo.poll()) != null && !windowOver()) {
            commands.add(rebootAndWait(droplet));
        }
    }

    private boolean windowOver() {
        return windowEnd().map(end -> !Instant.now().isBefore(end)).orElse(false);
    }

    private Command rebootAndWait(long droplet) {
        Answer post = send(HttpRequest.newBuilder(uri("/v2/droplets/" + droplet + "/actions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"reboot\"}")));
        if (post.status() != 201) {
            return new Command(droplet, null, "failed");
        }
        firstPost.accumulateAndGet(post.sentAt(), (a, b) -> a == null || b.isBefore(a) ? b : a);
        long actionId = post.body().path("action").path("id").asLong();
        try {
            while (true) {
                Answer get = send(HttpRequest.newBuilder(uri("/v2/actions/" + actionId)).GET());
                if (get.status() != 200) {
                    return new Command(droplet, post.sentAt(), "failed");
                }
                String status = get.body().path("action").path("status").asText();
                if (!"in-progress".equals(status)) {
                    return new Command(droplet, post.sentAt(), status);
                }
                Thread.sleep(pollEvery.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Command(droplet, post.sentAt(), "failed");
        }
    }

    /** What one request came to after its retries; status 0 when the last try got no answer. */
    private record Answer(int status, JsonNode body, Instant sentAt) {
    }

    private Answer send(HttpRequest.Builder request) {
        HttpRequest built = request.header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build();
        for (int attempt = 0; ; attempt++) {
            Instant sentAt = Instant.now();
            int status;
            Optional<String> retryAfter = Optional.empty();
            try {
                HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
                status = response.statusCode();
                if (!retry.retries(status)) {
                    return new Answer(status, body(response.body()), sentAt);
                }
                retryAfter = response.headers().firstValue("retry-after");
            } catch (IOException connectionError) {
                status = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Answer(0, null, sentAt);
            }
            if (attempt >= retry.retryMax()) {
                return new Answer(status, null, sentAt);
            }
            try {
                Thread.sleep(retry.backoff(attempt, status, retryAfter, Instant.now()).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Answer(status, null, sentAt);
            }
        }
    }

    private URI uri(String path) {
        return URI.create(baseUrl + path);
    }

    private static JsonNode body(String text) {
        try {
            return text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(text);
        } catch (IOException notJson) {
            return JSON.createObjectNode();
        }
    }
}
