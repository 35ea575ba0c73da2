package dev.dropletworker.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the simulator on its own until Ctrl-C:
 * {@code ./mvnw -Psimulator -Dexec.args="--port 8089 --token dop_v1_local --action-duration-ms 2000"}.
 */
public final class SimulatorMain {

    private static final String USAGE = """
            DigitalOcean API simulator. Options (--name value or --name=value):
              --host H                       address to bind (default 127.0.0.1; 0.0.0.0 in a container)
              --port N                       port (default 8089; 0 = any free port)
              --token T                      accepted bearer token; repeat for several (none: any token)
              --action-duration-ms MS        how long every action runs (default 3000); MIN-MAX, e.g.
                                             10000-30000, draws each action's time uniformly (by --seed)
              --action-duration TYPE=MS      per action type, e.g. create=5000 or reboot=10000-30000;
                                             repeatable
              --errored-probability P        chance that an action ends errored (0..1)
              --hourly-limit N               requests per token per sliding hour (default 5000)
              --minute-limit N               requests per token per sliding minute (default 250)
              --seed N                       seed of the random choices (faults, outcomes, durations)
              --server-error-rate P          chance of a 500 instead of handling a request
              --drop-connection-rate P       chance of closing the connection without answering
              --applied-but-lost-rate P      chance that a POST takes effect but its response is lost
              --applied-but-lost-as KIND     server_error (default) or reset
              --latency-ms MS                fixed delay of every response
              --latency-jitter-ms MS         plus a uniform random delay of up to this much
              --not-found-after-create-ms MS a new Droplet answers 404 for this long after its create
              --fault-endpoint "METHOD PATH" limit request faults to this endpoint; repeatable
              --event-loops N                Vert.x event loops (default min(2, cores))
            Control API under <base>/_sim/ (JSON, no auth, not rate-limited):
              GET health                     200 once the simulator serves
              PUT faults {"server_error_rate":0.1,"latency_ms":{"fixed":50,"jitter":20},...}
                                             random faults; GET faults shows every setting
              POST faults/script [{"endpoint":"POST /v2/droplets/{id}/actions","fault":"server_error",
                                   "status":503,"times":4},
                                  {"endpoint":"POST /v2/droplets","fault":"partial_create","count":3}]
                                             exact faults for the next requests of an endpoint, in order:
                                             server_error, reset, applied_but_lost, applied_but_lost_reset,
                                             partial_create; optional droplet_id, tag_name, name filters;
                                             GET lists what is left, DELETE drops it
              PATCH action-durations {"default":3000,"reboot":{"min_ms":10000,"max_ms":30000}}
              PUT rate-limits {"hourly":5000,"minute":250}
              POST droplets {"name":"web-1","tags":["web"],"status":"off"}    seeds a settled Droplet
              GET accounting                 requests by token and status; per token its 429s and most
                                             requests in any sliding minute and hour; pending-event 422s
                                             per endpoint and Droplet; faults injected
              GET requests?since=SEQ         the request log      POST reset      GET clock
              POST clock/advance {"seconds":N}
            """;

    private SimulatorMain() {
    }

    /**
     * On the project's test classpath (through Quarkus) JBoss LogManager is present and must be chosen
     * before Vert.x logs; the simulator jar has only the JDK's logging.
     */
    private static void useJBossLogManagerIfPresent() {
        if (System.getProperty("java.util.logging.manager") != null) {
            return;
        }
        try {
            Class.forName("org.jboss.logmanager.LogManager", false, SimulatorMain.class.getClassLoader());
            System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        } catch (ClassNotFoundException e) {
            // the standalone jar
        }
    }

    public static void main(String[] args) throws InterruptedException {
        useJBossLogManagerIfPresent();
        SimulatorConfig config;
        try {
            config = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (config == null) {
            System.out.print(USAGE);
            return;
        }
        DigitalOceanSimulator simulator = DigitalOceanSimulator.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }, "simulator-shutdown"));
        System.out.println("DigitalOcean simulator listening on " + simulator.baseUrl());
        System.out.println("Control API: " + simulator.adminUrl() + "  (Ctrl-C stops)");
        System.out.flush();
        stopped.await();
    }

    /** Null when help was asked for. */
    static SimulatorConfig parse(String[] args) {
        List<String> tokens = new ArrayList<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                tokens.add(arg.substring(0, eq));
                tokens.add(arg.substring(eq + 1));
            } else {
                tokens.add(arg);
            }
        }
        SimulatorConfig.Builder b = SimulatorConfig.builder().port(8089);
        long[] latency = {0, 0};
        for (int i = 0; i < tokens.size(); i++) {
            String flag = tokens.get(i);
            if (flag.equals("--help") || flag.equals("-h")) {
                return null;
            }
            if (i + 1 >= tokens.size()) {
                throw new IllegalArgumentException("missing value for " + flag);
            }
            String value = tokens.get(++i);
            try {
                switch (flag) {
                    case "--host" -> b.host(value);
                    case "--port" -> b.port(Integer.parseInt(value));
                    case "--token" -> b.token(value);
                    case "--action-duration-ms" -> {
                        Duration[] range = millisRange(value);
                        b.actionDuration(range[0], range[1]);
                    }
                    case "--action-duration" -> {
                        String[] typeAndMillis = value.split("=", 2);
                        if (typeAndMillis.length != 2) {
                            throw new IllegalArgumentException(
                                    "--action-duration takes TYPE=MS or TYPE=MIN-MAX, got " + value);
                        }
                        Duration[] range = millisRange(typeAndMillis[1]);
                        b.actionDuration(typeAndMillis[0], range[0], range[1]);
                    }
                    case "--errored-probability" -> b.erroredProbability(Double.parseDouble(value));
                    case "--hourly-limit" -> b.hourlyLimit(Integer.parseInt(value));
                    case "--minute-limit" -> b.minuteLimit(Integer.parseInt(value));
                    case "--seed" -> b.seed(Long.parseLong(value));
                    case "--server-error-rate" -> b.serverErrorRate(Double.parseDouble(value));
                    case "--drop-connection-rate" -> b.dropConnectionRate(Double.parseDouble(value));
                    case "--applied-but-lost-rate" -> b.appliedButLostRate(Double.parseDouble(value));
                    case "--applied-but-lost-as" -> {
                        if (!value.equals(Faults.LOST_AS_RESET) && !value.equals(Faults.LOST_AS_SERVER_ERROR)) {
                            throw new IllegalArgumentException("--applied-but-lost-as takes server_error or reset");
                        }
                        b.appliedButLostAsReset(value.equals(Faults.LOST_AS_RESET));
                    }
                    case "--latency-ms" -> latency[0] = Long.parseLong(value);
                    case "--latency-jitter-ms" -> latency[1] = Long.parseLong(value);
                    case "--not-found-after-create-ms" -> b.notFoundAfterCreate(Duration.ofMillis(Long.parseLong(value)));
                    case "--fault-endpoint" -> b.faultEndpoint(value);
                    case "--event-loops" -> b.eventLoops(Integer.parseInt(value));
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number for " + flag + ": " + value);
            }
        }
        return b.latency(Duration.ofMillis(latency[0]), Duration.ofMillis(latency[1])).build();
    }

    /** {@code MS} or {@code MIN-MAX}, in milliseconds. */
    private static Duration[] millisRange(String value) {
        String[] parts = value.split("-", 2);
        Duration min = Duration.ofMillis(Long.parseLong(parts[0].trim()));
        Duration max = parts.length == 1 ? min : Duration.ofMillis(Long.parseLong(parts[1].trim()));
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("a duration range MIN-MAX needs MIN <= MAX, got " + value);
        }
        return new Duration[] {min, max};
    }
}
