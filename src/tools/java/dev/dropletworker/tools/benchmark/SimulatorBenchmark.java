package dev.dropletworker.tools.benchmark;

import dev.dropletworker.simulator.DigitalOceanSimulator;
import dev.dropletworker.simulator.SimulatorConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Throughput of simple GETs ({@code GET /v2/droplets/{id}}) over many keep-alive connections.
 * Bounded in time and request count, loopback only. Prints requests per second.
 *
 * <p>Against a simulator in its own JVM (the figure to report):
 * <pre>
 * java -jar target/droplet-simulator.jar --port 8089 --token bench &amp;
 * ./mvnw -q -Pbenchmark -Dexec.mainClass=dev.dropletworker.tools.benchmark.SimulatorBenchmark \
 *     -Dexec.args="--url http://127.0.0.1:8089 --token bench --connections 64 --seconds 10"
 * </pre>
 * Without {@code --url} it starts a simulator in this JVM. By default the per-token limits are
 * raised through {@code PUT /_sim/rate-limits} so that 429s do not dominate; {@code --default-limits}
 * keeps 5,000/h and 250/min to measure how fast 429s are served.
 */
public final class SimulatorBenchmark {

    private record Options(String url, String token, int connections, int seconds, int warmupSeconds,
                           long maxRequests, int droplets, boolean defaultLimits, int clientLoops) {
    }

    private SimulatorBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        // Quarkus puts JBoss LogManager on the test classpath; it must be chosen before Vert.x logs.
        System.setProperty("java.util.logging.manager",
                System.getProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager"));
        Options o = parse(args);
        DigitalOceanSimulator local = null;
        String url = o.url;
        if (url == null) {
            local = DigitalOceanSimulator.start(SimulatorConfig.builder().token(o.token).build());
            url = local.baseUrl();
        }
        try {
            prepare(url, o);
            run(url, o);
        } finally {
            if (local != null) {
                local.close();
            }
        }
    }

    private static void prepare(String url, Options o) throws IOException, InterruptedException {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        admin(http, "POST", url + "/_sim/reset", "");
        if (!o.defaultLimits) {
            admin(http, "PUT", url + "/_sim/rate-limits", "{\"hourly\":2000000000,\"minute\":2000000000}");
        }
        for (int i = 1; i <= o.droplets; i++) {
            admin(http, "POST", url + "/_sim/droplets", "{\"id\":" + i + ",\"name\":\"bench-" + i + "\"}");
        }
    }

    private static void admin(java.net.http.HttpClient http, String method, String url, String body)
            throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + url + " -> " + r.statusCode() + " " + r.body());
        }
    }

    private static void run(String url, Options o) throws InterruptedException {
        URI base = URI.create(url);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(o.clientLoops));
        HttpClient client = vertx.createHttpClient(
                new HttpClientOptions().setDefaultHost(base.getHost()).setDefaultPort(base.getPort()).setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(o.connections));
        LongAdder ok = new LongAdder();
        LongAdder tooMany = new LongAdder();
        LongAdder other = new LongAdder();
        LongAdder failed = new LongAdder();
        LongAdder latencyNanos = new LongAdder();
        AtomicLong sent = new AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(o.warmupSeconds);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(o.seconds);
        CountDownLatch lanes = new CountDownLatch(o.connections);
        String authorization = "Bearer " + o.token;

        class Lane {
            void next() {
                long n = sent.incrementAndGet();
                if (System.nanoTime() >= end || n > o.maxRequests) {
                    lanes.countDown();
                    return;
                }
                long t0 = System.nanoTime();
                RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET)
                        .setURI("/v2/droplets/" + (1 + n % o.droplets)).putHeader("Authorization", authorization);
                client.request(request)
                        .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
                        .onComplete(ar -> {
                            long t1 = System.nanoTime();
                            if (t1 >= measureFrom && t1 < end) {
                                if (ar.failed()) {
                                    failed.increment();
                                } else if (ar.result() == 200) {
                                    ok.increment();
                                    latencyNanos.add(t1 - t0);
                                } else if (ar.result() == 429) {
                                    tooMany.increment();
                                } else {
                                    other.increment();
                                }
                            }
                            next();
                        });
            }
        }
        for (int i = 0; i < o.connections; i++) {
            vertx.runOnContext(v -> new Lane().next());
        }
        if (!lanes.await(o.warmupSeconds + o.seconds + 30L, TimeUnit.SECONDS)) {
            System.out.println("warning: some requests did not finish in time");
        }
        double seconds = o.seconds;
        long okCount = ok.sum();
        long total = okCount + tooMany.sum() + other.sum();
        System.out.printf("connections=%d measured=%ds limits=%s%n", o.connections, o.seconds,
                o.defaultLimits ? "default (5000/h, 250/min)" : "raised");
        System.out.printf("responses/s=%.0f  200/s=%.0f  429/s=%.0f  other=%d  failed=%d  mean 200 latency=%.2f ms%n",
                total / seconds, okCount / seconds, tooMany.sum() / seconds, other.sum(), failed.sum(),
                okCount == 0 ? 0.0 : latencyNanos.sum() / 1e6 / okCount);
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static Options parse(String[] args) {
        String url = null;
        String token = "bench-token";
        int connections = 64;
        int seconds = 10;
        int warmup = 3;
        long max = 10_000_000;
        int droplets = 100;
        boolean defaultLimits = false;
        int clientLoops = 1;
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty()) {
            String flag = rest.remove(0);
            if (flag.equals("--default-limits")) {
                defaultLimits = true;
                continue;
            }
            if (rest.isEmpty()) {
                throw new IllegalArgumentException("missing value for " + flag);
            }
            String value = rest.remove(0);
            switch (flag) {
                case "--url" -> url = value;
                case "--token" -> token = value;
                case "--connections" -> connections = Integer.parseInt(value);
                case "--seconds" -> seconds = Integer.parseInt(value);
                case "--warmup-seconds" -> warmup = Integer.parseInt(value);
                case "--max-requests" -> max = Long.parseLong(value);
                case "--droplets" -> droplets = Integer.parseInt(value);
                case "--client-loops" -> clientLoops = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        return new Options(url, token, connections, seconds, warmup, max, droplets, defaultLimits, clientLoops);
    }
}
