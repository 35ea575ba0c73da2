package dev.dropletworker.tools.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The command line of {@link WorkerBenchmark}: a scenario, and its sizes, which default to issue
 * 10's and can be shrunk for a quick look ({@code --window 60s --actions 300 --backlog 20000}).
 *
 * @param actions       commands offered (budget and peer: each side; overhead: all)
 * @param droplets      Droplets seeded per side, the commands spread over them in turn
 * @param actionMin     shortest simulated action (durations are drawn from min to max)
 * @param unlimited     limits of the simulator and of the worker raised out of the way
 * @param hourlyLimit   the simulator's hourly limit; the worker gets 98% of it when it is not 5,000
 * @param rate          commands offered per second (0: as fast as the producer takes them)
 * @param backlog       the backlog scenario's largest backlog
 * @param sample        how long the backlog scenario measures CPU at each backlog
 * @param claimSample   how long it then logs the claim's executions
 * @param settle        how long it waits after intake before measuring
 * @param peerParallel  the peer's commands in flight
 * @param drainTimeout  the longest wait for the window's jobs (or every command) to be answered
 * @param heap          {@code -Xmx} of each pod, as the Deployment's limit caps it (256m, with the image's
 *                      garbage collector settings); {@code none} for the JVM's own choice
 */
record BenchmarkOptions(Scenario scenario, Duration window, int actions, int droplets, int pods, Duration actionMin,
                        Duration actionMax, boolean unlimited, int hourlyLimit, int rate, int backlog, Duration sample,
                        Duration claimSample, Duration settle, int peerParallel, Duration drainTimeout, String heap) {

    /** What the Deployment gives the heap: {@code JAVA_MAX_MEM_RATIO=50} of its 512Mi limit. */
    static final String CONTAINER_HEAP = "256m";
    /**
     * The memory a pod's JVM sees (the Deployment's limit). Without it, the JVM sizes what it does
     * not get told from this machine's memory: the initial heap would be the whole of it at once,
     * where a pod's starts at 1/64 of its limit and grows as needed.
     */
    static final String CONTAINER_MEMORY = "-XX:MaxRAM=512m";
    /** The collector the ubi9 OpenJDK image's {@code run-java.sh} picks unless GC_CONTAINER_OPTIONS names one. */
    static final String RUN_JAVA_COLLECTOR = "-XX:+UseParallelGC";
    /** The heap sizing {@code run-java.sh} adds after the collector, whichever it is. */
    static final String RUN_JAVA_GC_SIZING = "-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20"
            + " -XX:GCTimeRatio=4 -XX:AdaptiveSizePolicyWeight=90";
    /** The worker's image, whose {@code JAVA_OPTS_APPEND} the pods get too. */
    static final Path DOCKERFILE = Path.of("src", "main", "docker", "Dockerfile.jvm");

    /** DigitalOcean's limits per token. */
    static final int MINUTE_LIMIT = 250;
    static final int HOURLY_LIMIT = 5000;
    /** Limits raised this far are never reached in a run. */
    static final int UNLIMITED = 10_000_000;
    /**
     * The simulator's limits when raised: above the worker's, so that what its answers say is left
     * stays above a minute of the worker's budget, as DigitalOcean's hourly remaining (up to 5,000)
     * does above the worker's 245 a minute until the hour runs low. With both raised to the same
     * number, every answer would look like "little left", which at real limits is rare.
     */
    static final int SIMULATOR_UNLIMITED = 10 * UNLIMITED;

    static final String USAGE = """
            --scenario budget|peer|shared-token|hour-bound|backlog|overhead (budget)
            --window 5m  --actions N (alias --commands)  --droplets N  --pods N
            --action-ms MS or MIN-MAX  --unlimited  --hourly-limit N  --rate N  --backlog N
            --sample 60s  --claim-sample 20s  --settle 10s  --peer-parallel 50  --drain-timeout 20m  --heap SIZE""";

    static BenchmarkOptions parse(String[] args) {
        Scenario scenario = Scenario.BUDGET;
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--scenario")) {
                scenario = Scenario.named(args[i + 1]);
            }
        }
        boolean overhead = scenario == Scenario.OVERHEAD;
        Duration window = Duration.ofMinutes(5);
        int actions = overhead ? 20_000 : 2_000;
        Integer droplets = scenario == Scenario.BACKLOG ? 2_000 : null;
        int pods = scenario == Scenario.SHARED_TOKEN ? 3 : 1;
        Duration actionMin = overhead ? Duration.ZERO : Duration.ofSeconds(10);
        Duration actionMax = overhead ? Duration.ZERO : Duration.ofSeconds(30);
        boolean unlimited = overhead;
        int hourlyLimit = scenario == Scenario.HOUR_BOUND ? 600 : HOURLY_LIMIT;
        int rate = 0;
        int backlog = 200_000;
        Duration sample = Duration.ofSeconds(60);
        Duration claimSample = Duration.ofSeconds(20);
        Duration settle = Duration.ofSeconds(10);
        int peerParallel = 50;
        Duration drainTimeout = Duration.ofMinutes(20);
        String heap = CONTAINER_HEAP;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--unlimited")) {
                unlimited = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value; options:\n" + USAGE);
            }
            String value = args[++i];
            switch (flag) {
                case "--scenario" -> {
                    // read above, before the defaults
                }
                case "--window" -> window = duration(value);
                case "--actions", "--commands" -> actions = Integer.parseInt(value);
                case "--droplets" -> droplets = Integer.parseInt(value);
                case "--pods" -> pods = Integer.parseInt(value);
                case "--action-ms" -> {
                    String[] range = value.split("-", 2);
                    actionMin = Duration.ofMillis(Long.parseLong(range[0]));
                    actionMax = range.length == 2 ? Duration.ofMillis(Long.parseLong(range[1])) : actionMin;
                }
                case "--hourly-limit" -> hourlyLimit = Integer.parseInt(value);
                case "--rate" -> rate = Integer.parseInt(value);
                case "--backlog" -> backlog = Integer.parseInt(value);
                case "--sample" -> sample = duration(value);
                case "--claim-sample" -> claimSample = duration(value);
                case "--settle" -> settle = duration(value);
                case "--peer-parallel" -> peerParallel = Integer.parseInt(value);
                case "--drain-timeout" -> drainTimeout = duration(value);
                case "--heap" -> heap = value;
                default -> throw new IllegalArgumentException("unknown option " + flag + "; options:\n" + USAGE);
            }
        }
        return new BenchmarkOptions(scenario, window, actions, droplets == null ? actions : droplets, pods, actionMin,
                actionMax, unlimited, hourlyLimit, rate, backlog, sample, claimSample, settle, peerParallel,
                drainTimeout, heap);
    }

    /** {@code 300ms}, {@code 60s}, {@code 5m}, {@code 1h}. */
    static Duration duration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException("not a duration: " + text + " (300ms, 60s, 5m, 1h)");
        };
    }

    /** The limit per minute the simulator enforces. */
    int minuteLimit() {
        return unlimited ? SIMULATOR_UNLIMITED : MINUTE_LIMIT;
    }

    /**
     * The JVM options ({@code -XX:}) the worker's own image adds in its {@code JAVA_OPTS_APPEND}, read
     * from the Dockerfile so that the pods run as the image does; its system properties are left
     * to the benchmark's own settings.
     */
    static String imageOptions(Path dockerfile) {
        String text = read(dockerfile);
        Matcher append = Pattern.compile("(?m)^ENV JAVA_OPTS_APPEND=\"([^\"]*)\"").matcher(text);
        if (!append.find()) {
            throw new IllegalStateException(dockerfile + " sets no JAVA_OPTS_APPEND");
        }
        return Arrays.stream(append.group(1).trim().split("\\s+"))
                .filter(option -> option.startsWith("-XX:"))
                .collect(Collectors.joining(" "));
    }

    /**
     * The collector options {@code run-java.sh} gives the worker's image: the image's
     * {@code GC_CONTAINER_OPTIONS} in place of the script's own collector, then the script's sizing.
     */
    static String imageGc(Path dockerfile) {
        Matcher gc = Pattern.compile("(?m)^ENV GC_CONTAINER_OPTIONS=\"([^\"]*)\"").matcher(read(dockerfile));
        return (gc.find() ? gc.group(1).trim() : RUN_JAVA_COLLECTOR) + " " + RUN_JAVA_GC_SIZING;
    }

    private static String read(Path dockerfile) {
        try {
            return Files.readString(dockerfile);
        } catch (IOException e) {
            throw new UncheckedIOException("the benchmark runs from the project's root, next to " + dockerfile, e);
        }
    }

    /** The limit per hour the simulator enforces. */
    int simulatorHourlyLimit() {
        return unlimited ? SIMULATOR_UNLIMITED : hourlyLimit;
    }

    /** Settings of the pods' environment that differ from the worker's defaults. */
    Map<String, String> workerSettings() {
        Map<String, String> env = new LinkedHashMap<>();
        if (unlimited) {
            env.put("WORKER_BUDGET_PER_MINUTE", Integer.toString(UNLIMITED));
            env.put("WORKER_BUDGET_PER_HOUR", Integer.toString(UNLIMITED));
        } else if (hourlyLimit != HOURLY_LIMIT) {
            // As the defaults 4,900 and 50 relate to DigitalOcean's 5,000.
            env.put("WORKER_BUDGET_PER_HOUR", Integer.toString(hourlyLimit * 98 / 100));
            env.put("WORKER_BUDGET_FOLLOW_UP_RESERVE_PER_HOUR", Integer.toString(Math.max(1, hourlyLimit / 100)));
        }
        if (!heap.equals("none")) {
            env.put("JAVA_TOOL_OPTIONS", "-Xmx" + heap + " " + CONTAINER_MEMORY + " " + imageGc(DOCKERFILE) + " "
                    + imageOptions(DOCKERFILE));
        }
        return env;
    }

    /** The most requests DigitalOcean lets one token make in a window of this length (up to an hour). */
    Integer allowance() {
        if (unlimited) {
            return null;
        }
        long byMinute = MINUTE_LIMIT * window.toMillis() / 60_000;
        return (int) Math.min(byMinute, hourlyLimit);
    }

    /** What the report repeats, so a JSON line says how it was measured: the settings its scenario uses. */
    Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("actions", scenario == Scenario.BACKLOG ? backlog : actions);
        p.put("droplets", droplets);
        p.put("pods", pods);
        p.put("action_ms", actionMin.toMillis() + "-" + actionMax.toMillis());
        p.put("limit_per_minute", minuteLimit());
        p.put("limit_per_hour", simulatorHourlyLimit());
        p.put("worker_settings", workerSettings());
        switch (scenario) {
            case BACKLOG -> {
                p.put("sample_s", sample.toSeconds());
                p.put("claim_sample_s", claimSample.toSeconds());
                p.put("settle_s", settle.toSeconds());
            }
            case OVERHEAD -> p.put("rate", rate);
            default -> {
                p.put("window_s", window.toSeconds());
                if (scenario == Scenario.PEER) {
                    p.put("peer_parallel", peerParallel);
                }
            }
        }
        p.put("drain_timeout_s", drainTimeout.toSeconds());
        return p;
    }
}
