package dev.dropletworker.tools.benchmark;

import static dev.dropletworker.tools.benchmark.BenchmarkGround.progress;

import dev.dropletworker.simulator.SimulatorConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code overhead} scenario: the limits of the simulator and of the worker raised out of the
 * way and actions finished as soon as they start, so what is left is the worker's own cost. The
 * commands are offered by an asynchronous producer (as fast as it goes, or {@code --rate} a
 * second for the latency target); the worker's CPU is read from its process after readiness, when
 * half the events have arrived and when the last has, so start-up is left out and the second half
 * shows the cost once the JIT has compiled the hot paths; what the JIT's own compiler threads used
 * is shown apart, as part of it, and PostgreSQL's CPU over the same span beside it. Its own
 * latency comes from its rows: command recorded → POST sent, and action seen finished → event
 * published (the first poll's wait, which DigitalOcean's action time would fill, is between the two
 * and not in either).
 *
 * <p>Before the offer the pods' CPU is read over {@link #IDLE_SAMPLE} with nothing to do (their
 * timers, heartbeats and metrics), and the second half's cost a job is also given without that
 * idle rate: at an offer a pod keeps up with, the idle cost spread over few jobs would otherwise
 * read as the jobs' own.
 */
final class OverheadRun {

    /**
     * How long the pods are left alone after readiness before their idle CPU is read: 10 to 30 s after
     * readiness a pod still used 81 ms a second (the JIT compiling start-up code a fifth of it), 50 to
     * 80 s after it 34 ms.
     */
    static final Duration IDLE_SETTLE = Duration.ofSeconds(60);
    /** How long their idle CPU is read. */
    static final Duration IDLE_SAMPLE = Duration.ofSeconds(15);

    private final BenchmarkOptions o;

    OverheadRun(BenchmarkOptions options) {
        this.o = options;
    }

    Report run() throws Exception {
        SimulatorConfig.Builder simulator = SimulatorConfig.builder().actionDuration(o.actionMin(), o.actionMax())
                .minuteLimit(o.minuteLimit()).hourlyLimit(o.simulatorHourlyLimit());
        Report report = new Report(Scenario.OVERHEAD.wireName, o.parameters());
        try (BenchmarkGround ground = BenchmarkGround.start(simulator);
                CommandSender sender = new CommandSender(ground.bootstrapServers());
                EventWatcher events = new EventWatcher(ground.bootstrapServers())) {
            List<Long> droplets = ground.seed("bench", o.droplets());
            ground.launch(o.pods(), o.workerSettings());
            List<CommandSender.Reboot> commands = CommandSender.reboots(droplets, o.actions(), "overhead");
            Thread.sleep(IDLE_SETTLE.toMillis());
            long idleFrom = ground.podsCpuMillis();
            long idleStart = System.nanoTime();
            Thread.sleep(IDLE_SAMPLE.toMillis());
            Double idlePerSecond = idleFrom < 0 ? null
                    : (ground.podsCpuMillis() - idleFrom) / secondsSince(idleStart);
            progress(String.format("idle: %.1f ms of CPU a second", idlePerSecond));
            RequestCounts before = RequestCounts.of(ground.simulator, BenchmarkGround.WORKER_TOKEN_LABEL);
            Optional<PostgresCpu> database = ground.database.cpu();
            long databaseBefore = database.map(PostgresCpu::millis).orElse(-1L);
            long cpuBefore = ground.podsCpuMillis();
            long jitBefore = ground.podsCompilerCpuMillis();
            CommandSender.Offer offer = sender.offer(commands, o.rate());
            progress(String.format("offered %d commands at %.0f a second", offer.commands(), offer.perSecond()));
            // The first half pays for the JIT compiling the hot paths; the second half is the steady cost.
            int half = commands.size() / 2;
            events.awaitAnswered(half, o.drainTimeout());
            long cpuAtHalf = ground.podsCpuMillis();
            long halfAt = System.nanoTime();
            long jitAtHalf = ground.podsCompilerCpuMillis();
            int answeredAtHalf = events.answered();
            boolean answered = events.awaitAnswered(commands.size(), o.drainTimeout());
            long cpuAfter = ground.podsCpuMillis();
            double secondHalfSeconds = secondsSince(halfAt);
            long databaseAfter = database.map(PostgresCpu::millis).orElse(-1L);
            long jitAfter = ground.podsCompilerCpuMillis();
            int jobs = events.answered();
            double seconds = Duration.between(offer.started(), events.lastArrival()).toMillis() / 1000.0;
            RequestCounts requests =
                    RequestCounts.of(ground.simulator, BenchmarkGround.WORKER_TOKEN_LABEL).since(before);
            if (!answered) {
                report.note("only " + jobs + " of " + commands.size() + " commands were answered within "
                        + o.drainTimeout());
            }
            report.section("overhead", "worker's own cost, " + o.pods() + " pod(s)")
                    .put("offered", "commands offered", offer.commands())
                    .put("offered_per_s", "offered per second (producer)", offer.perSecond())
                    .put("answered", "commands answered", jobs)
                    .put("outcomes", "answers by outcome", events.outcomes())
                    .put("jobs_per_s", "jobs per second, first offer to last event", jobs / seconds)
                    .put("worker_cpu_ms_per_job", "worker CPU ms per job (every pod)",
                            cpuBefore < 0 || jobs == 0 ? null : (double) (cpuAfter - cpuBefore) / jobs)
                    .put("worker_cpu_ms_per_job_second_half", "worker CPU ms per job, second half (JIT warm)",
                            cpuAtHalf < 0 || jobs <= answeredAtHalf ? null
                                    : (double) (cpuAfter - cpuAtHalf) / (jobs - answeredAtHalf))
                    .put("worker_idle_cpu_ms_per_s", "worker CPU ms per second idle, before the offer", idlePerSecond)
                    .put("worker_cpu_ms_per_job_second_half_net", "second half, without the idle rate",
                            cpuAtHalf < 0 || idlePerSecond == null || jobs <= answeredAtHalf ? null
                                    : (cpuAfter - cpuAtHalf - idlePerSecond * secondHalfSeconds)
                                            / (jobs - answeredAtHalf))
                    .put("jit_cpu_ms_per_job", "of it the JIT compiler threads'",
                            jitBefore < 0 || jobs == 0 ? null : (double) (jitAfter - jitBefore) / jobs)
                    .put("jit_cpu_ms_per_job_second_half", "of it the JIT compiler threads', second half",
                            jitAtHalf < 0 || jobs <= answeredAtHalf ? null
                                    : (double) (jitAfter - jitAtHalf) / (jobs - answeredAtHalf))
                    .put("database_cpu_ms_per_job", "PostgreSQL CPU ms per job (the whole server)",
                            databaseBefore < 0 || databaseAfter < 0 || jobs == 0 ? null
                                    : (double) (databaseAfter - databaseBefore) / jobs)
                    .put("received_to_sent", "command recorded → POST sent",
                            new Percentiles(ground.database.receivedToSentMillis()).summary())
                    .put("received_to_sent_later_half", "of it the later half of the commands recorded",
                            new Percentiles(ground.database.receivedToSentMillisOfLaterHalf()).summary())
                    .put("finished_to_published", "action seen finished → event published",
                            new Percentiles(ground.database.finishedToPublishedMillis()).summary())
                    .put("requests", "requests by endpoint", requests.byEndpoint())
                    .put("requests_per_job", "requests per job", jobs == 0 ? null : (double) requests.total() / jobs)
                    .put("peak_rss_mib", "peak RSS per pod (MiB)", ground.podsPeakRssMib());
        }
        return report;
    }

    private static double secondsSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1e9;
    }
}
