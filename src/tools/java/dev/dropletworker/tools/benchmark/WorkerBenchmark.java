package dev.dropletworker.tools.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.simulator.SimulatorConfig;
import dev.dropletworker.simulator.SimulatorControl;
import dev.dropletworker.tools.ground.CommandBus;
import dev.dropletworker.tools.ground.GroundServers;
import dev.dropletworker.tools.ground.WorkerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The packaged worker under a stream of {@code droplet.action} commands, against the simulator:
 * how long they take to be answered, how many API requests each costs, whether any 429 or second
 * action on a busy Droplet slipped through, and how much memory the pods used. Prints figures;
 * asserts nothing.
 *
 * <pre>
 * ./mvnw -Pbenchmark -Dexec.args="--commands 300 --droplets 30 --pods 1"
 * </pre>
 * Options: {@code --commands} (300), {@code --droplets} (30, actions spread over them round-robin),
 * {@code --pods} (1), {@code --action-ms} (simulated action duration, 2000), and
 * {@code --unlimited} to raise the API's and the worker's rate limits out of the way (the worker's
 * own overhead) instead of DigitalOcean's real 250/min and 5,000/h (the budget-bound case), and
 * {@code --heap 128m} to cap each pod's heap as a container limit would. The
 * worker runs with its production defaults otherwise (first poll after 5 s, polls 3–15 s apart).
 */
public final class WorkerBenchmark {

    private static final Path WORKER_JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private record Options(int commands, int droplets, int pods, long actionMillis, boolean unlimited, String heap) {
    }

    private WorkerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        Path jar = Path.of(System.getProperty("user.dir")).resolve(WORKER_JAR);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no packaged worker at " + jar + "; run ./mvnw -Pbenchmark (it packages first)");
        }
        int limit = o.unlimited ? 10_000_000 : 0;
        SimulatorConfig.Builder simulator = SimulatorConfig.builder().port(0).token(GroundServers.SIMULATOR_TOKEN)
                .actionDuration(Duration.ofMillis(o.actionMillis)).requestLogCapacity(1_000);
        if (o.unlimited) {
            simulator.minuteLimit(limit).hourlyLimit(limit);
        }
        List<WorkerProcess> pods = new ArrayList<>();
        Path logs = Files.createTempDirectory("worker-benchmark");
        try (GroundServers servers = GroundServers.start(simulator.build())) {
            SimulatorControl admin = new SimulatorControl(servers.simulator.baseUrl());
            List<Long> droplets = new ArrayList<>();
            for (int i = 0; i < o.droplets; i++) {
                droplets.add(admin.seedDroplet("bench-" + i, "bench"));
            }
            servers.kafka.createTopic(CommandBus.COMMANDS, 6);
            servers.kafka.createTopic(CommandBus.EVENTS, 6);
            servers.kafka.createTopic(CommandBus.DEAD_LETTERS, 1);
            Map<String, String> env = servers.workerEnvironment(GroundServers.SIMULATOR_TOKEN);
            if (o.heap != null) {
                env.put("JAVA_TOOL_OPTIONS", "-Xmx" + o.heap);
            }
            if (o.unlimited) {
                env.put("WORKER_BUDGET_PER_MINUTE", Integer.toString(limit));
                env.put("WORKER_BUDGET_PER_HOUR", Integer.toString(limit));
            }
            for (int i = 0; i < o.pods; i++) {
                Path log = logs.resolve("pod-" + i + ".log");
                env.put("HOSTNAME", "bench-pod-" + i);
                pods.add(WorkerProcess.launch(jar, env, WorkerProcess.Ports.free(), log));
            }
            for (WorkerProcess pod : pods) {
                if (!pod.awaitReady(Duration.ofMinutes(2))) {
                    throw new IllegalStateException("a pod did not become ready; logs in " + logs);
                }
            }
            System.out.printf("%d pods ready; sending %d commands over %d Droplets (%s limits, actions take %d ms)%n",
                    o.pods, o.commands, o.droplets, o.unlimited ? "raised" : "DigitalOcean's", o.actionMillis);
            run(o, servers, admin, droplets, pods);
        } finally {
            pods.forEach(WorkerProcess::stop);
        }
    }

    private static void run(Options o, GroundServers servers, SimulatorControl admin, List<Long> droplets,
            List<WorkerProcess> pods) throws InterruptedException {
        try (CommandBus bus = CommandBus.on(servers.kafka.bootstrapServers())) {
            Map<String, Long> sentAt = new HashMap<>();
            long start = System.currentTimeMillis();
            for (int i = 0; i < o.commands; i++) {
                long droplet = droplets.get(i % droplets.size());
                String commandId = CommandBus.newCommandId("bench");
                ObjectNode command = MAPPER.createObjectNode().put("command_id", commandId)
                        .put("type", "droplet.action").put("droplet_id", droplet);
                command.putObject("action").put("type", "reboot");
                sentAt.put(commandId, System.currentTimeMillis());
                bus.send(Long.toString(droplet), command.toString());
            }
            long sent = System.currentTimeMillis();
            Map<String, ConsumerRecord<String, byte[]>> answered = new HashMap<>();
            long deadline = start + Duration.ofMinutes(30).toMillis();
            while (answered.size() < o.commands && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> record : bus.events()) {
                    answered.putIfAbsent(CommandBus.subject(record), record);
                }
                Thread.sleep(200);
            }
            long end = System.currentTimeMillis();
            report(o, admin, sentAt, answered, start, sent, end, pods);
        }
    }

    private static void report(Options o, SimulatorControl admin, Map<String, Long> sentAt,
            Map<String, ConsumerRecord<String, byte[]>> answered, long start, long sent, long end,
            List<WorkerProcess> pods) {
        List<Long> latencies = new ArrayList<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        for (Map.Entry<String, ConsumerRecord<String, byte[]>> e : answered.entrySet()) {
            Long at = sentAt.get(e.getKey());
            if (at != null) {
                latencies.add(e.getValue().timestamp() - at);
            }
            outcomes.merge(CommandBus.json(e.getValue().value()).path("data").path("outcome").asText("?"), 1, Integer::sum);
        }
        latencies.sort(Long::compare);
        JsonNode accounting = admin.accounting();
        Map<String, Long> requests = new TreeMap<>();
        long total = 0;
        for (JsonNode r : accounting.path("requests")) {
            String key = r.path("method").asText() + " " + r.path("endpoint").asText() + " " + r.path("status").asInt();
            requests.merge(key, r.path("count").asLong(), Long::sum);
            total += r.path("count").asLong();
        }
        double seconds = (end - start) / 1000.0;
        System.out.println("=".repeat(80));
        System.out.printf("answered            %d of %d %s%n", answered.size(), o.commands, outcomes);
        System.out.printf("sent in             %.1f s%n", (sent - start) / 1000.0);
        System.out.printf("all answered after  %.1f s  (%.2f commands/s)%n", seconds, answered.size() / seconds);
        System.out.printf("latency ms          p50 %d  p95 %d  max %d%n", percentile(latencies, 50),
                percentile(latencies, 95), percentile(latencies, 100));
        System.out.printf("API requests        %d  (%.2f per command, %.1f per minute)%n", total,
                (double) total / Math.max(1, answered.size()), total / (seconds / 60.0));
        requests.forEach((k, v) -> System.out.printf("    %-40s %d%n", k, v));
        System.out.printf("429s                %d%n", accounting.path("too_many_requests").asLong());
        System.out.printf("pending-event 422s  %d%n", accounting.path("pending_event_conflicts").asLong());
        System.out.printf("max actions in progress on one Droplet  %d%n",
                accounting.path("max_in_progress_actions_per_droplet").asLong());
        System.out.printf("peak RSS per pod    %s MiB (VmHWM)%n",
                pods.stream().map(p -> Long.toString(p.peakResidentKib() / 1024)).toList());
        System.out.println("=".repeat(80));
    }

    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static Options parse(String[] args) {
        int commands = 300;
        int droplets = 30;
        int pods = 1;
        long actionMillis = 2000;
        boolean unlimited = false;
        String heap = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--commands" -> commands = Integer.parseInt(args[++i]);
                case "--droplets" -> droplets = Integer.parseInt(args[++i]);
                case "--pods" -> pods = Integer.parseInt(args[++i]);
                case "--action-ms" -> actionMillis = Long.parseLong(args[++i]);
                case "--unlimited" -> unlimited = true;
                case "--heap" -> heap = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --commands N --droplets N --pods N --action-ms N --unlimited --heap SIZE");
            }
        }
        return new Options(commands, droplets, pods, actionMillis, unlimited, heap);
    }
}
