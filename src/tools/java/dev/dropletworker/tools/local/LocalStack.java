package dev.dropletworker.tools.local;

import dev.dropletworker.simulator.SimulatorConfig;
import dev.dropletworker.simulator.SimulatorControl;
import dev.dropletworker.tools.ground.GroundServers;
import dev.dropletworker.tools.ground.WorkerProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import org.jboss.logmanager.Logger;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.ConsoleHandler;

/**
 * The README's run command, {@code ./mvnw -Plocal}: a real Kafka broker, PostgreSQL (embedded, or
 * the server in {@code TEST_DB_URL}), the DigitalOcean simulator with three Droplets, and the
 * packaged worker as a child process, all on 127.0.0.1. Commands typed on standard input go to
 * Kafka; events are printed as they arrive. Ctrl-C stops everything.
 * <p>
 * Options: {@code -Dworker.port} (default 8080), {@code -Dworker.management.port} (health and
 * metrics, default 9000), {@code -Dsimulator.port} (default 8089, or a free port if 8089 is taken;
 * 0 always picks a free one).
 */
public final class LocalStack {

    private static final Path WORKER_JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final int DEFAULT_WORKER_PORT = 8080;
    private static final int DEFAULT_MANAGEMENT_PORT = 9000;
    private static final int DEFAULT_SIMULATOR_PORT = 8089;
    /** Long enough to watch an action in progress, short enough not to wait for it. */
    private static final Duration ACTION_DURATION = Duration.ofMillis(2500);
    private static final Duration WORKER_READY_TIMEOUT = Duration.ofMinutes(2);
    private volatile GroundServers servers;
    private volatile CommandConsole console;
    private volatile WorkerProcess worker;

    private LocalStack() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(System.getProperty("user.dir")).resolve(WORKER_JAR);
        if (!Files.isRegularFile(jar)) {
            exit("No packaged worker at " + jar + ". Run ./mvnw -Plocal from the project directory (it packages first).");
        }
        int workerPort = Integer.getInteger("worker.port", DEFAULT_WORKER_PORT);
        if (!isFree(workerPort)) {
            exit("Port " + workerPort + " is in use. Pick another for the worker: ./mvnw -Plocal -Dworker.port=8081");
        }
        int managementPort = Integer.getInteger("worker.management.port", DEFAULT_MANAGEMENT_PORT);
        if (!isFree(managementPort)) {
            exit("Port " + managementPort + " is in use. Pick another for the worker's health and metrics: "
                    + "./mvnw -Plocal -Dworker.management.port=9001");
        }
        new LocalStack().run(jar, new WorkerProcess.Ports(workerPort, managementPort), simulatorPort());
    }

    private void run(Path jar, WorkerProcess.Ports workerPorts, int simulatorPort) throws Exception {
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "local-stack-stop"));
        showServerWarnings();

        System.out.println("Starting Kafka, PostgreSQL and the DigitalOcean simulator...");
        servers = GroundServers.start(SimulatorConfig.builder()
                .port(simulatorPort)
                .token(GroundServers.SIMULATOR_TOKEN)
                .actionDuration(ACTION_DURATION)
                .build());
        seedDroplets();
        for (String topic : CommandConsole.TOPICS) {
            servers.kafka.createTopic(topic, 1); // now, so that neither side waits for auto-creation
        }
        console = new CommandConsole(servers.kafka.bootstrapServers());

        System.out.println("Starting the worker from " + jar + " ...");
        Map<String, String> environment = servers.workerEnvironment(GroundServers.SIMULATOR_TOKEN);
        environment.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false"); // read by a person, not a log pipeline
        worker = WorkerProcess.launch(jar, environment, workerPorts);
        worker.onUnexpectedExit(code -> exit("The worker exited (code " + code + "); stopping the stack."));
        if (!worker.awaitReady(WORKER_READY_TIMEOUT)) {
            if (worker.isAlive()) {
                exit("The worker did not report ready at " + worker.healthUrl("ready") + " within "
                        + WORKER_READY_TIMEOUT.toSeconds() + " s; stopping the stack.");
            }
            new CountDownLatch(1).await(); // it died: its exit handler is already stopping the stack
        }

        printBanner();
        console.sendCommandsFrom(System.in);
        System.out.println("Standard input is closed; the stack keeps running until Ctrl-C.");
        new CountDownLatch(1).await();
    }

    private void seedDroplets() {
        SimulatorControl admin = new SimulatorControl(servers.simulator.baseUrl());
        for (long id = 123; id <= 125; id++) {
            admin.seedDroplet(id, "web-" + (id - 122), "web");
        }
    }

    private void printBanner() {
        String simulator = servers.simulator.baseUrl();
        String postgres = servers.postgres.isEmbedded() ? "PostgreSQL (embedded)" : "PostgreSQL (TEST_DB_URL)";
        String line = "=".repeat(100);
        System.out.println(String.join("\n",
                line,
                " Droplet Worker local stack is up",
                line,
                String.format(" %-22s %s   topics %s", "Kafka bootstrap", servers.kafka.bootstrapServers(),
                        String.join(", ", CommandConsole.TOPICS)),
                String.format(" %-22s %s   user %s   password %s", postgres, servers.postgres.jdbcUrl(),
                        servers.postgres.username(), servers.postgres.password()),
                String.format(" %-22s %s   token %s", "DigitalOcean simulator", simulator, GroundServers.SIMULATOR_TOKEN),
                String.format(" %-22s %s   (e.g. GET %saccounting, %srequests)", "  control API",
                        servers.simulator.adminUrl(), servers.simulator.adminUrl(), servers.simulator.adminUrl()),
                String.format(" %-22s 123 web-1, 124 web-2, 125 web-3, tagged web; actions take %.1f s", "  Droplets",
                        ACTION_DURATION.toMillis() / 1000.0),
                String.format(" %-22s %s", "Worker", worker.url()),
                String.format(" %-22s %s   (readiness: %s)", "  health", worker.healthUrl(""), worker.healthUrl("ready")),
                String.format(" %-22s %s", "  metrics", worker.metricsUrl()),
                line,
                " Send a command: type or paste one JSON command per line and press Enter. It is published to",
                " " + CommandConsole.COMMANDS_TOPIC + " (key: droplet_id, else command_id); every event on "
                        + CommandConsole.EVENTS_TOPIC + " is printed here as it arrives. Try:",
                "",
                " " + CommandConsole.EXAMPLE_COMMAND,
                "",
                " Ctrl-C stops the worker, the simulator, Kafka and PostgreSQL.",
                line));
    }

    /** Shutdown hook: the worker first, while Kafka and PostgreSQL are still there for its own shutdown. */
    private void stop() {
        System.out.println("Stopping the local stack...");
        try {
            if (console != null) {
                console.close();
            }
            if (worker != null) {
                worker.stop();
            }
        } finally {
            if (servers != null) {
                servers.close();
            }
        }
        System.out.println("Stopped.");
    }

    /**
     * Under exec:java nothing configures logging: the root handler only buffers for a Quarkus start
     * that never comes, so the in-process servers' warnings and errors would never show.
     */
    private static void showServerWarnings() {
        ConsoleHandler console = new ConsoleHandler(ConsoleHandler.Target.SYSTEM_OUT,
                new PatternFormatter("[stack] %d{HH:mm:ss} %-5p [%c] %s%e%n"));
        console.setLevel(Level.WARNING);
        Logger.getLogger("").addHandler(console);
    }

    /** 8089 unless it is taken (then any free port); {@code -Dsimulator.port} is used exactly. */
    private static int simulatorPort() {
        Integer requested = Integer.getInteger("simulator.port");
        if (requested != null) {
            return requested;
        }
        return isFree(DEFAULT_SIMULATOR_PORT) ? DEFAULT_SIMULATOR_PORT : 0;
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void exit(String message) {
        System.out.println(message);
        System.exit(1);
    }
}
