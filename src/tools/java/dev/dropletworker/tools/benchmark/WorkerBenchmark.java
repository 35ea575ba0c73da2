package dev.dropletworker.tools.benchmark;

/**
 * The packaged worker measured against the simulator, one scenario a run. Each run
 * starts its own broker, PostgreSQL, simulator and pods, prints a readable report and, as its last
 * line, one JSON object with the scenario, its parameters, the commit ({@code -dirty} when the
 * tree has changes) and every figure. It asserts nothing; the targets are read off the figures.
 *
 * <pre>
 * ./mvnw -q -Pbenchmark -Dexec.args="--scenario budget"
 * ./mvnw -q -Pbenchmark -Dexec.args="--scenario budget --window 60s --actions 300"   (a quick look)
 * </pre>
 * {@code -q} keeps Maven's own lines out, so the JSON object is the last line of the output.
 *
 * <p>Scenarios (defaults are the full sizes):
 * <ul>
 * <li>{@code budget}: DigitalOcean's limits in the simulator (250/min, 5,000/h) and the worker's
 *     own defaults, one pod, 2,000 reboots of 2,000 Droplets offered at once, actions drawn 10–30 s.
 *     The jobs whose POST went out in a 5-minute window from the first POST are counted; at the
 *     window's end the account is paused (a row in {@code account_pause}, as the operator API writes it), so no new POST goes
 *     out, and the run waits until each window job has its event (the drain). Reports completed,
 *     requests by endpoint in the window and in the drain, requests per completed job, 429s and
 *     completed ÷ (250 × 5).
 * <li>{@code peer}: {@code budget}, and at the same time on a second token of the same simulator
 *     (its own 2,000 Droplets) a client that behaves like
 *     {@code doctl compute droplet-action reboot <id> --wait} 50 at a time ({@link DoctlPeer},
 *     godo's retries in {@link GodoRetry}); both sides counted the same way, and the ratio of
 *     their completed jobs.
 * <li>{@code shared-token}: {@code budget} with three pods on one token; also the most requests the
 *     simulator saw in any sliding minute and hour, beside the limits.
 * <li>{@code hour-bound}: {@code budget} with the simulator's hourly limit at 600 (250/min kept) and
 *     the worker's {@code WORKER_BUDGET_PER_HOUR} at 98% of it (its hourly follow-up reserve at 1%), so the hour binds in the window;
 *     completed ÷ the hourly allowance.
 * <li>{@code backlog}: real limits, 200,000 commands over 2,000 Droplets dumped in three steps
 *     (about 1,000, 50,000, 200,000): commands taken in per second, and at each backlog the
 *     database's CPU per dispatched job and the claim statement's median time ({@link BacklogRun}).
 * <li>{@code overhead}: limits raised out of the way, actions done at once, 20,000 reboots of
 *     20,000 Droplets from an asynchronous producer: jobs per second end to end, the worker's CPU
 *     ms per job, p50/p99 of its own latency (command recorded → POST sent, action seen finished →
 *     event published), peak RSS per pod. {@code --rate 500} offers 500 a second for the latency
 *     target.
 * </ul>
 *
 * <p>Options: {@code --window} (5m), {@code --actions} N (alias {@code --commands}: each side's
 * commands; overhead 20,000), {@code --droplets} N (commands spread over them in turn; default one
 * per command, backlog 2,000), {@code --pods} N, {@code --action-ms} MS or MIN-MAX (simulated action
 * time), {@code --unlimited} (raise the simulator's and the worker's limits in any scenario),
 * {@code --hourly-limit} N, {@code --rate} N (commands a second; 0, the default, as fast as the
 * producer goes), {@code --backlog} N, {@code --sample} (60s: backlog CPU span),
 * {@code --claim-sample} (20s), {@code --settle} (10s: after intake, before measuring),
 * {@code --peer-parallel} N (50), {@code --drain-timeout} (20m), {@code --heap} SIZE (each pod's
 * {@code -Xmx}; 256m with the image's collector settings and the {@code -XX} options of its
 * {@code JAVA_OPTS_APPEND} by default, as the Deployment runs it; {@code none} leaves all of it to
 * the JVM). The worker otherwise runs with its production
 * defaults. Durations are written {@code 300ms}, {@code 60s}, {@code 5m}, {@code 1h}.
 */
public final class WorkerBenchmark {

    private WorkerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        BenchmarkOptions options;
        try {
            options = BenchmarkOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Report report = options.scenario().run(options);
        report.print(System.out);
    }
}
