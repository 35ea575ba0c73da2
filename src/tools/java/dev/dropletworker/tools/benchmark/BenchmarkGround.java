package dev.dropletworker.tools.benchmark;

import dev.dropletworker.simulator.SimulatorConfig;
import dev.dropletworker.simulator.SimulatorControl;
import dev.dropletworker.tools.ground.CommandBus;
import dev.dropletworker.tools.ground.GroundServers;
import dev.dropletworker.tools.ground.WorkerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToLongFunction;

/**
 * What every scenario stands on, started for it alone: the broker with the worker's topics,
 * PostgreSQL, the simulator (a token for the worker, a second for the peer) and the packaged
 * worker as pods, configured only through their environment.
 */
final class BenchmarkGround implements AutoCloseable {

    static final String WORKER_TOKEN = GroundServers.SIMULATOR_TOKEN;
    /** The simulator labels tokens in the order they were configured. */
    static final String WORKER_TOKEN_LABEL = "token-1";
    static final String PEER_TOKEN = "dop_v1_simulator-peer-token";
    static final String PEER_TOKEN_LABEL = "token-2";
    /** The account of {@code DIGITALOCEAN_TOKEN}. */
    static final String WORKER_ACCOUNT = "default";

    private static final Path WORKER_JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    /** Droplets seeded in parallel: thousands one by one would take longer than some runs. */
    private static final int SEEDERS = 4;

    final GroundServers servers;
    final SimulatorControl simulator;
    final WorkerDatabase database;
    private final Path logs;
    private final List<WorkerProcess> pods = new ArrayList<>();

    private BenchmarkGround(GroundServers servers, WorkerDatabase database, Path logs) {
        this.servers = servers;
        this.simulator = new SimulatorControl(servers.simulator.baseUrl());
        this.database = database;
        this.logs = logs;
    }

    static BenchmarkGround start(SimulatorConfig.Builder simulator) throws IOException, SQLException {
        Path jar = workerJar();
        GroundServers servers = GroundServers.start(simulator.port(0).token(WORKER_TOKEN).token(PEER_TOKEN)
                .requestLogCapacity(1_000).build());
        try {
            servers.kafka.createTopic(CommandBus.COMMANDS, 6);
            servers.kafka.createTopic(CommandBus.EVENTS, 6);
            servers.kafka.createTopic(CommandBus.DEAD_LETTERS, 1);
            progress("servers up; packaged worker " + jar);
            return new BenchmarkGround(servers, new WorkerDatabase(servers.postgres),
                    Files.createTempDirectory("worker-benchmark"));
        } catch (IOException | SQLException | RuntimeException e) {
            servers.close();
            throw e;
        }
    }

    String bootstrapServers() {
        return servers.kafka.bootstrapServers();
    }

    /** Seeds {@code count} active Droplets named {@code prefix-i} and returns their ids. */
    List<Long> seed(String prefix, int count) throws InterruptedException, ExecutionException {
        ExecutorService seeders = Executors.newFixedThreadPool(SEEDERS);
        try {
            List<Future<Long>> seeded = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String name = prefix + "-" + i;
                seeded.add(seeders.submit(() -> simulator.seedDroplet(name, prefix)));
            }
            List<Long> ids = new ArrayList<>(count);
            for (Future<Long> id : seeded) {
                ids.add(id.get());
            }
            progress("seeded " + count + " Droplets (" + prefix + ")");
            return ids;
        } finally {
            seeders.shutdown();
        }
    }

    /** Starts {@code count} pods on the worker's token with these settings and waits until each is ready. */
    void launch(int count, Map<String, String> settings) throws IOException, InterruptedException {
        Map<String, String> env = servers.workerEnvironment(WORKER_TOKEN);
        env.putAll(settings);
        for (int i = 0; i < count; i++) {
            env.put("HOSTNAME", "bench-pod-" + i);
            Path log = logs.resolve("pod-" + i + ".log");
            pods.add(WorkerProcess.launch(workerJar(), env, WorkerProcess.Ports.free(), log));
        }
        for (WorkerProcess pod : pods) {
            if (!pod.awaitReady(Duration.ofMinutes(3))) {
                throw new IllegalStateException("a pod did not become ready; logs in " + logs);
            }
        }
        progress(count + " pod(s) ready; logs in " + logs);
    }

    /** CPU milliseconds every pod has used so far, together; -1 where that cannot be read. */
    long podsCpuMillis() {
        return podsTotal(WorkerProcess::cpuMillis);
    }

    /** Of {@link #podsCpuMillis}, what the pods' JIT compiler threads used; -1 where that cannot be read. */
    long podsCompilerCpuMillis() {
        return podsTotal(WorkerProcess::compilerCpuMillis);
    }

    private long podsTotal(ToLongFunction<WorkerProcess> millisOf) {
        long total = 0;
        for (WorkerProcess pod : pods) {
            long millis = millisOf.applyAsLong(pod);
            if (millis < 0) {
                return -1;
            }
            total += millis;
        }
        return total;
    }

    /** Each pod's peak resident memory so far, in MiB. */
    List<Long> podsPeakRssMib() {
        return pods.stream().map(pod -> pod.peakResidentKib() / 1024).toList();
    }

    /** Progress on standard output, apart from the report. */
    static void progress(String line) {
        System.out.println("[benchmark] " + line);
    }

    /** Stops the pods (gracefully), then the servers. */
    @Override
    public void close() {
        pods.forEach(WorkerProcess::stop);
        try {
            database.close();
        } catch (SQLException ignored) {
            // the server goes next anyway
        }
        servers.close();
    }

    private static Path workerJar() {
        Path jar = Path.of(System.getProperty("user.dir")).resolve(WORKER_JAR);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    "no packaged worker at " + jar + "; run ./mvnw -Pbenchmark (it packages first)");
        }
        return jar;
    }
}
