package dev.dropletworker.simulator;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A DigitalOcean API v2 stand-in for Droplets and Droplet actions, built from
 * {@code shared/reference/digitalocean-api.md}: the same paths, statuses, bodies, headers, rate
 * limits and quirks, plus injectable faults and a control API under {@code /_sim/}.
 *
 * <pre>{@code
 * try (DigitalOceanSimulator sim = DigitalOceanSimulator.start(SimulatorConfig.builder()
 *         .token("dop_v1_test").actionDuration(Duration.ofMillis(200)).build())) {
 *     // point a client at sim.baseUrl()
 * }
 * }</pre>
 */
public final class DigitalOceanSimulator implements AutoCloseable {

    private static final long START_TIMEOUT_SECONDS = 30;

    private final Vertx vertx;
    private final int port;
    private final String baseUrl;
    private final SimulatorClock clock;

    private DigitalOceanSimulator(Vertx vertx, int port, String baseUrl, SimulatorClock clock) {
        this.vertx = vertx;
        this.port = port;
        this.baseUrl = baseUrl;
        this.clock = clock;
    }

    /**
     * Binds {@code config.host()} (127.0.0.1 unless set) on {@code config.port()} (0 picks a free
     * port) and returns once it accepts requests.
     */
    public static DigitalOceanSimulator start(SimulatorConfig config) {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(config.eventLoops()).setWorkerPoolSize(1));
        try {
            SimulatorClock clock = new SimulatorClock(config.clock());
            AtomicReference<Faults> faults = new AtomicReference<>(config.faults());
            DropletStore store = new DropletStore(clock, config.seed(), () -> faults.get().erroredProbability(),
                    config.actionDurations());
            RateLimiter limiter = new RateLimiter(config.hourlyLimit(), config.minuteLimit());
            Accounting accounting = new Accounting();
            RequestLog requestLog = new RequestLog(config.requestLogCapacity());
            FaultScript script = new FaultScript();
            AdminHandler admin = new AdminHandler(config, clock, store, limiter, accounting, requestLog, faults,
                    script);
            ApiHandler api = new ApiHandler(vertx, clock, new BearerTokens(config.tokens()), limiter, store,
                    accounting, requestLog, faults, script, config.seed(), admin);

            // One server per event loop sharing one socket. Vert.x shares a socket between servers
            // of equal port; port 0 would give each its own, a negative port shares one free port.
            int port = deploy(vertx, api, config.host(), config.port() == 0 ? -1 : config.port(), config.eventLoops());
            String baseUrl = "http://" + reachableHost(config.host()) + ":" + port;
            api.baseUrl(baseUrl);
            return new DigitalOceanSimulator(vertx, port, baseUrl, clock);
        } catch (RuntimeException e) {
            vertx.close();
            throw e;
        }
    }

    /** A wildcard bind answers on loopback too, which is what this process can always reach. */
    private static String reachableHost(String host) {
        return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    }

    /** "http://127.0.0.1:port" (or the bound host), without a trailing slash. */
    public String baseUrl() {
        return baseUrl;
    }

    public int port() {
        return port;
    }

    /** Root of the control API, e.g. {@code adminUrl() + "faults"}. */
    public String adminUrl() {
        return baseUrl + "/_sim/";
    }

    /** Moves the simulator's clock forward: rate windows slide and due actions finish. */
    public void advanceClock(Duration by) {
        clock.advance(by);
    }

    @Override
    public void close() {
        await(vertx.close());
    }

    private static int deploy(Vertx vertx, ApiHandler api, String host, int port, int instances) {
        int[] bound = new int[1];
        await(vertx.deployVerticle(() -> new Listener(api, host, port, bound),
                new DeploymentOptions().setInstances(instances)));
        return bound[0];
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting or stopping the simulator", e);
        } catch (Exception e) {
            throw new IllegalStateException("simulator failed to start or stop: " + e.getMessage(), e);
        }
    }

    /** One HTTP server on one event loop. */
    private static final class Listener extends AbstractVerticle {
        private final ApiHandler api;
        private final String host;
        private final int port;
        private final int[] bound;

        Listener(ApiHandler api, String host, int port, int[] bound) {
            this.api = api;
            this.host = host;
            this.port = port;
            this.bound = bound;
        }

        @Override
        public void start(Promise<Void> started) {
            vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setTcpNoDelay(true))
                    .requestHandler(api)
                    .listen()
                    .onSuccess(server -> {
                        synchronized (bound) {
                            bound[0] = server.actualPort();
                        }
                        started.complete();
                    })
                    .onFailure(started::fail);
        }
    }
}
