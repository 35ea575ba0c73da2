package dev.dropletworker.tools.benchmark;

import static dev.dropletworker.tools.benchmark.BenchmarkGround.progress;

import dev.dropletworker.simulator.SimulatorConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code backlog} scenario: real limits, and commands dumped far faster than the budget can
 * send them. The backlog is filled in three dumps, to about 1,000, a quarter of {@code --backlog}
 * and all of it; after each, once intake has taken every command in, the run measures at that
 * backlog: the database's CPU per dispatched job over {@code --sample}, then the claim statement's
 * times over {@code --claim-sample} (apart, since logging statements costs CPU). Intake speed is
 * measured on each dump: commands ÷ time from the dump's start until its last row is in the job
 * table. Measuring each backlog after its dump keeps intake's own work out of the claim figures.
 */
final class BacklogRun {

    private static final int SMALL_BACKLOG = 1_000;
    private static final Duration INTAKE_TIMEOUT = Duration.ofMinutes(30);
    private static final String POST_ACTION = "POST /v2/droplets/{id}/actions";

    private final BenchmarkOptions o;

    BacklogRun(BenchmarkOptions options) {
        this.o = options;
    }

    /** One dump taken in: how many, how fast the producer offered them and how fast intake recorded them. */
    private record Intake(int commands, double offeredPerSecond, double takenInPerSecond) {
    }

    /** The figures at one backlog. */
    private record AtBacklog(long waiting, long dispatched, double dispatchedPerSecond, Double databaseCpuPerJob,
                             Double workerCpuPerJob, Percentiles claims) {
    }

    Report run() throws Exception {
        SimulatorConfig.Builder simulator = SimulatorConfig.builder().actionDuration(o.actionMin(), o.actionMax())
                .minuteLimit(o.minuteLimit()).hourlyLimit(o.simulatorHourlyLimit());
        Report report = new Report(Scenario.BACKLOG.wireName, o.parameters());
        try (BenchmarkGround ground = BenchmarkGround.start(simulator);
                CommandSender sender = new CommandSender(ground.bootstrapServers())) {
            List<Long> droplets = ground.seed("bench", o.droplets());
            ground.launch(o.pods(), o.workerSettings());
            Optional<PostgresCpu> cpu = ground.database.cpu();
            Optional<ClaimLog> claimLog = ClaimLog.of(ground.servers.postgres);
            if (cpu.isEmpty() || claimLog.isEmpty()) {
                report.note("PostgreSQL is not the embedded server on this machine: no database CPU or claim times");
            }
            List<CommandSender.Reboot> commands = CommandSender.reboots(droplets, o.backlog(), "backlog");
            List<AtBacklog> measured = new ArrayList<>();
            long intakeCommands = 0;
            double intakeSeconds = 0;
            int taken = 0;
            for (int level : levels()) {
                Intake intake = dump(ground, sender, commands.subList(taken, level), level);
                intakeCommands += intake.commands;
                intakeSeconds += intake.commands / intake.takenInPerSecond;
                taken = level;
                Thread.sleep(o.settle().toMillis());
                AtBacklog at = measure(ground, cpu, claimLog);
                measured.add(at);
                report.section("backlog_" + level, "backlog filled to " + level)
                        .put("dumped", "commands in this dump", intake.commands)
                        .put("offered_per_s", "offered per second (producer)", intake.offeredPerSecond)
                        .put("intake_per_s", "taken in per second (rows in job)", intake.takenInPerSecond)
                        .put("waiting", "waiting jobs when measured", at.waiting)
                        .put("dispatched", "jobs dispatched in the CPU sample", at.dispatched)
                        .put("dispatched_per_s", "dispatched per second", at.dispatchedPerSecond)
                        .put("db_cpu_ms_per_job", "database CPU ms per dispatched job", at.databaseCpuPerJob)
                        .put("worker_cpu_ms_per_job", "worker CPU ms per dispatched job", at.workerCpuPerJob)
                        .put("claim", "claim statement executions", at.claims.summary());
            }
            AtBacklog smallest = measured.get(0);
            AtBacklog largest = measured.get(measured.size() - 1);
            report.section("growth", "largest backlog against the smallest")
                    .put("intake_per_s", "taken in per second, every dump", intakeSeconds == 0 ? null
                            : intakeCommands / intakeSeconds)
                    .put("claim_median_ratio", "claim median, largest ÷ smallest",
                            ratio(largest.claims.at(50), smallest.claims.at(50)))
                    .put("db_cpu_per_job_ratio", "database CPU per job, largest ÷ smallest",
                            largest.databaseCpuPerJob == null || smallest.databaseCpuPerJob == null ? null
                                    : ratio(largest.databaseCpuPerJob, smallest.databaseCpuPerJob))
                    .put("peak_rss_mib", "peak RSS per pod (MiB)", ground.podsPeakRssMib());
        }
        return report;
    }

    /** About 1,000, a quarter of the backlog, all of it. */
    private List<Integer> levels() {
        TreeSet<Integer> levels = new TreeSet<>(
                List.of(Math.min(SMALL_BACKLOG, o.backlog()), o.backlog() / 4, o.backlog()));
        levels.removeIf(level -> level <= 0);
        return new ArrayList<>(levels);
    }

    private Intake dump(BenchmarkGround ground, CommandSender sender, List<CommandSender.Reboot> dump, int level)
            throws Exception {
        progress("dumping " + dump.size() + " commands (backlog to " + level + ")");
        CompletableFuture<CommandSender.Offer> offer = CompletableFuture.supplyAsync(() -> sender.offer(dump, 0));
        Instant started = Instant.now();
        long deadline = System.nanoTime() + INTAKE_TIMEOUT.toNanos();
        while (ground.database.jobs() < level) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "intake did not take " + level + " commands in within " + INTAKE_TIMEOUT);
            }
            Thread.sleep(200);
        }
        double seconds = Math.max(0.001, Duration.between(started, Instant.now()).toMillis() / 1000.0);
        CommandSender.Offer offered = offer.get();
        progress(String.format("taken in after %.1f s", seconds));
        return new Intake(dump.size(), offered.perSecond(), dump.size() / seconds);
    }

    /** CPU over {@code --sample}, with no query of the benchmark's own meanwhile; then the claim's times. */
    private AtBacklog measure(BenchmarkGround ground, Optional<PostgresCpu> cpu,
            Optional<ClaimLog> claimLog) throws Exception {
        long waiting = ground.database.waiting();
        long posts = posts(ground);
        long database = cpu.map(PostgresCpu::millis).orElse(-1L);
        long worker = ground.podsCpuMillis();
        Instant started = Instant.now();
        Thread.sleep(o.sample().toMillis());
        long dispatched = posts(ground) - posts;
        double seconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
        Double databasePerJob = database < 0 || dispatched == 0 ? null
                : (double) (cpu.get().millis() - database) / dispatched;
        Double workerPerJob = worker < 0 || dispatched == 0 ? null
                : (double) (ground.podsCpuMillis() - worker) / dispatched;
        progress("measured at " + waiting + " waiting: " + dispatched + " dispatched; logging claims for "
                + o.claimSample().toSeconds() + " s");
        Percentiles claims = claimLog.isPresent() ? claimLog.get().during(o.claimSample()) : new Percentiles(List.of());
        return new AtBacklog(waiting, dispatched, dispatched / seconds, databasePerJob, workerPerJob, claims);
    }

    private static long posts(BenchmarkGround ground) {
        return RequestCounts.of(ground.simulator, BenchmarkGround.WORKER_TOKEN_LABEL).of(POST_ACTION, 201);
    }

    private static Double ratio(double a, double b) {
        return a < 0 || b <= 0 ? null : a / b;
    }
}
