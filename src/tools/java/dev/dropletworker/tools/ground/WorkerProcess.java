package dev.dropletworker.tools.ground;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The packaged worker ({@code quarkus-run.jar}) as a child process, configured only through its
 * environment like a pod; its output forwarded with a prefix, or written to a file. Health and
 * metrics are on the management port ({@link #healthUrl}, {@link #metricsUrl}), as in a pod.
 */
public final class WorkerProcess {

    private static final String PREFIX = "[worker] ";

    private final Process process;
    private final Ports ports;
    private volatile boolean stopping;

    /**
     * Where a pod listens: the application port ({@code QUARKUS_HTTP_PORT}) and the management
     * interface with health and metrics ({@code QUARKUS_MANAGEMENT_PORT}).
     */
    public record Ports(int http, int management) {

        /** Two ports free on 127.0.0.1 at this moment. */
        public static Ports free() throws IOException {
            return new Ports(freePort(), freePort());
        }
    }

    private WorkerProcess(Process process, Ports ports) {
        this.process = process;
        this.ports = ports;
    }

    /** Starts the worker with its output forwarded to this process's standard output, prefixed. */
    public static WorkerProcess launch(Path jar, Map<String, String> environment, Ports ports) throws IOException {
        WorkerProcess worker = new WorkerProcess(builder(jar, environment, ports).start(), ports);
        Thread forwarder = new Thread(worker::forwardOutput, "worker-output");
        forwarder.setDaemon(true);
        forwarder.start();
        return worker;
    }

    /** Starts the worker with its output (standard and error) written to {@code log}. */
    public static WorkerProcess launch(Path jar, Map<String, String> environment, Ports ports, Path log)
            throws IOException {
        return new WorkerProcess(builder(jar, environment, ports).redirectOutput(log.toFile()).start(), ports);
    }

    private static ProcessBuilder builder(Path jar, Map<String, String> environment, Ports ports) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-jar", jar.toString()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(ports.http()));
        builder.environment().put("QUARKUS_MANAGEMENT_PORT", String.valueOf(ports.management()));
        return builder;
    }

    /** A port free on 127.0.0.1 at this moment, for a pod's HTTP server. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    /** The application port's base URL. */
    public String url() {
        return "http://127.0.0.1:" + ports.http();
    }

    /** The management interface's base URL, where health and metrics are served. */
    public String managementUrl() {
        return "http://127.0.0.1:" + ports.management();
    }

    /** {@code /q/health} and its checks: {@code healthUrl("ready")}, {@code "live"}, {@code "started"}; {@code ""} for all. */
    public String healthUrl(String check) {
        return managementUrl() + "/q/health" + (check.isEmpty() ? "" : "/" + check);
    }

    /** The Prometheus scrape. */
    public String metricsUrl() {
        return managementUrl() + "/q/metrics";
    }

    /** SIGKILL: the pod dies at once, mid-request if it is in one, with no shutdown of its own. */
    public void kill() throws InterruptedException {
        stopping = true;
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /**
     * The most memory the process has held resident so far ({@code VmHWM} in
     * {@code /proc/<pid>/status}, in KiB); -1 where there is no such file.
     */
    public long peakResidentKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    /**
     * CPU time the worker has used so far (user plus system, every thread), in milliseconds; -1
     * where there is no {@code /proc}. Read once after readiness and once at the end, the
     * difference leaves start-up out.
     */
    public long cpuMillis() {
        return ProcStat.of(process.pid()).map(ProcStat::ownMillis).orElse(-1L);
    }

    /**
     * CPU time the JIT's compiler threads have used so far, in milliseconds (part of
     * {@link #cpuMillis}); -1 where there is no {@code /proc}.
     */
    public long compilerCpuMillis() {
        return ProcStat.threadsMillis(process.pid(), "C1 CompilerThre", "C2 CompilerThre");
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The operating system's process id: a pod that restarted would have another. */
    public long pid() {
        return process.pid();
    }

    /** Calls {@code onDeath} with the exit code if the worker ends other than through {@link #stop()}. */
    public void onUnexpectedExit(IntConsumer onDeath) {
        process.onExit().thenAccept(exited -> {
            if (!stopping) {
                onDeath.accept(exited.exitValue());
            }
        });
    }

    /** Waits until readiness ({@link #healthUrl healthUrl("ready")}) answers 200; false if the worker died or the time ran out. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(healthUrl("ready"))).timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return true;
                }
            } catch (IOException notYetListening) {
                // keep polling
            }
            Thread.sleep(500);
        }
        return false;
    }

    /** SIGTERM, so Quarkus shuts down gracefully; killed if it takes longer than 20 s. */
    public void stop() {
        stop(Duration.ofSeconds(20));
    }

    /**
     * SIGTERM, as Kubernetes sends it; killed, as after {@code terminationGracePeriodSeconds}, if
     * it has not exited within {@code grace}.
     *
     * @return true when it exited by itself in time
     */
    public boolean stop(Duration grace) {
        signalStop();
        if (awaitExit(grace)) {
            return true;
        }
        try {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** SIGTERM, without waiting: the pod begins its shutdown. */
    public void signalStop() {
        stopping = true;
        if (process.isAlive()) {
            process.destroy();
        }
    }

    /** @return true when the process has exited within {@code timeout} */
    public boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private void forwardOutput() {
        try (BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = output.readLine()) != null) {
                System.out.println(PREFIX + line);
            }
        } catch (IOException closed) {
            // the worker is gone; onUnexpectedExit reports it
        }
    }
}
