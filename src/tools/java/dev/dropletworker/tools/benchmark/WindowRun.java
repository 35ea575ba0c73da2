package dev.dropletworker.tools.benchmark;

import static dev.dropletworker.tools.benchmark.BenchmarkGround.progress;

import dev.dropletworker.simulator.SimulatorConfig;
import dev.dropletworker.simulator.SimulatorControl;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The budget-bound scenarios ({@code budget}, {@code peer}, {@code shared-token},
 * {@code hour-bound}): every command offered at once, then a fixed window from the first POST.
 * The jobs whose POST went out in the window are the ones counted; when it ends the account is
 * paused, so no new POST goes out, and the run waits until each of them has its event (the
 * drain). Requests are counted by the simulator, at the window's end and after the drain.
 */
final class WindowRun {

    private static final Duration FIRST_POST_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(30);
    private static final String POST_ACTION = "POST /v2/droplets/{id}/actions";

    private final Scenario scenario;
    private final BenchmarkOptions o;
    private final boolean withPeer;

    WindowRun(Scenario scenario, BenchmarkOptions options) {
        this.scenario = scenario;
        this.o = options;
        this.withPeer = scenario == Scenario.PEER;
    }

    /** One side's window as counted: the commands it posted in it and what they came to. */
    private record Side(long posted, long completed, Map<String, Long> outcomes, long handedBack, long postsAfterWindow,
                        RequestCounts window, RequestCounts drain, boolean drained, Duration drainTook) {
    }

    Report run() throws Exception {
        SimulatorConfig.Builder simulator = SimulatorConfig.builder().actionDuration(o.actionMin(), o.actionMax())
                .minuteLimit(o.minuteLimit()).hourlyLimit(o.simulatorHourlyLimit());
        Report report = new Report(scenario.wireName, o.parameters());
        try (BenchmarkGround ground = BenchmarkGround.start(simulator);
                CommandSender sender = new CommandSender(ground.bootstrapServers())) {
            List<Long> droplets = ground.seed("bench", o.droplets());
            List<Long> peerDroplets = withPeer ? ground.seed("peer", o.droplets()) : List.of();
            ground.launch(o.pods(), o.workerSettings());
            DoctlPeer peer = new DoctlPeer(ground.servers.simulator.baseUrl(), BenchmarkGround.PEER_TOKEN,
                    o.peerParallel(), Duration.ofSeconds(5), GodoRetry.doctl(), o.window());
            RequestCounts workerStart = RequestCounts.of(ground.simulator, BenchmarkGround.WORKER_TOKEN_LABEL);
            if (withPeer) {
                List<Long> targets = new ArrayList<>();
                for (int i = 0; i < o.actions(); i++) {
                    targets.add(peerDroplets.get(i % peerDroplets.size()));
                }
                peer.start(targets);
            }
            CommandSender.Offer offer = sender.offer(CommandSender.reboots(droplets, o.actions(), "bench"), 0);
            progress(String.format("offered %d commands in %.1f s", offer.commands(),
                    Duration.between(offer.started(), offer.acknowledged()).toMillis() / 1000.0));

            Instant start = awaitFirstPost(ground.database);
            Instant end = start.plus(o.window());
            progress("first POST at " + start + "; window ends " + end);
            Windows ends = waitForWindowEnds(ground, peer, end);

            Side worker = drainWorker(ground, start, end, workerStart, ends.workerAtEnd);
            Side doctl = withPeer ? drainPeer(ground.simulator, peer, ends.peerAtEnd) : null;
            write(report, ground, worker, doctl);
        }
        return report;
    }

    /** The worker's figures, and the peer's with the ratio when there is one. */
    private void write(Report report, BenchmarkGround ground, Side worker, Side doctl) {
        SimulatorControl.TokenWindows workerPeaks = ground.simulator.tokenWindows(BenchmarkGround.WORKER_TOKEN_LABEL);
        Report.Section section = report.section("worker",
                "worker: " + o.pods() + " pod(s) on " + BenchmarkGround.WORKER_TOKEN_LABEL);
        side(section, worker, workerPeaks);
        section.put("handed_back", "stamped sent in the window, back waiting", worker.handedBack)
                .put("peak_rss_mib", "peak RSS per pod (MiB)", ground.podsPeakRssMib());
        boolean aboveLimit = aboveLimit(workerPeaks);
        if (doctl != null) {
            SimulatorControl.TokenWindows peerPeaks = ground.simulator.tokenWindows(BenchmarkGround.PEER_TOKEN_LABEL);
            side(report.section("peer", "peer: doctl --wait style, " + o.peerParallel() + " in parallel, on "
                    + BenchmarkGround.PEER_TOKEN_LABEL), doctl, peerPeaks);
            report.section("comparison", "worker against peer, same window")
                    .put("completed_ratio", "completed: worker ÷ peer",
                            doctl.completed == 0 ? null : (double) worker.completed / doctl.completed);
            aboveLimit |= aboveLimit(peerPeaks);
        }
        if (aboveLimit) {
            report.note("a peak above a limit: the simulator let more requests into a sliding window than its"
                    + " limit; its figures are not DigitalOcean's");
        }
        if (!worker.drained || (doctl != null && !doctl.drained)) {
            report.note("the drain ran out of time (" + o.drainTimeout() + "): some window jobs were not answered");
        }
    }

    private static Instant awaitFirstPost(WorkerDatabase database) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + FIRST_POST_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Instant> first = database.firstPostAt();
            if (first.isPresent()) {
                return first.get();
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the worker sent no POST within " + FIRST_POST_TIMEOUT);
    }

    /** The counts at each side's window end. */
    private record Windows(RequestCounts workerAtEnd, RequestCounts peerAtEnd) {
    }

    /** Sleeps to each side's window end, pausing the worker's account at its end and counting requests at both. */
    private Windows waitForWindowEnds(BenchmarkGround ground, DoctlPeer peer, Instant workerEnd) throws Exception {
        RequestCounts workerAtEnd = null;
        RequestCounts peerAtEnd = withPeer ? null : RequestCounts.none();
        Instant nextProgress = Instant.now().plus(PROGRESS_EVERY);
        Instant peerDeadline = Instant.now().plus(FIRST_POST_TIMEOUT);
        while (workerAtEnd == null || peerAtEnd == null) {
            Instant now = Instant.now();
            if (workerAtEnd == null && !now.isBefore(workerEnd)) {
                ground.database.pause(BenchmarkGround.WORKER_ACCOUNT);
                workerAtEnd = RequestCounts.of(ground.simulator, BenchmarkGround.WORKER_TOKEN_LABEL);
                progress("worker window over; account paused");
            }
            Optional<Instant> peerEnd = peer.windowEnd();
            if (peerAtEnd == null && peerEnd.isPresent() && !now.isBefore(peerEnd.get())) {
                peerAtEnd = RequestCounts.of(ground.simulator, BenchmarkGround.PEER_TOKEN_LABEL);
                progress("peer window over");
            }
            if (peerAtEnd == null && peerEnd.isEmpty() && now.isAfter(peerDeadline)) {
                throw new IllegalStateException("the peer had no POST accepted within " + FIRST_POST_TIMEOUT);
            }
            if (!now.isBefore(nextProgress)) {
                progress(String.format("worker %d POSTs so far%s",
                        posts(ground.simulator, BenchmarkGround.WORKER_TOKEN_LABEL),
                        withPeer ? ", peer " + posts(ground.simulator, BenchmarkGround.PEER_TOKEN_LABEL) : ""));
                nextProgress = now.plus(PROGRESS_EVERY);
            }
            Instant wake = nextProgress;
            if (workerAtEnd == null) {
                wake = earlier(wake, workerEnd);
            }
            if (peerAtEnd == null) {
                // Until the peer's first POST is accepted its window end is unknown: look again soon.
                wake = earlier(wake, peerEnd.orElse(now.plusMillis(50)));
            }
            Thread.sleep(Math.max(1, Duration.between(Instant.now(), wake).toMillis()));
        }
        return new Windows(workerAtEnd, peerAtEnd);
    }

    private Side drainWorker(BenchmarkGround ground, Instant start, Instant end, RequestCounts atStart,
            RequestCounts atEnd) throws SQLException, InterruptedException {
        Instant drainStart = Instant.now();
        Instant deadline = drainStart.plus(o.drainTimeout());
        Instant nextProgress = drainStart.plus(PROGRESS_EVERY);
        WorkerDatabase.WindowJobs jobs = ground.database.windowJobs(start, end);
        while (jobs.unanswered() > 0 && Instant.now().isBefore(deadline)) {
            Thread.sleep(1_000);
            jobs = ground.database.windowJobs(start, end);
            if (Instant.now().isAfter(nextProgress)) {
                progress("drain: " + jobs.unanswered() + " of " + jobs.posted() + " window jobs await their event");
                nextProgress = Instant.now().plus(PROGRESS_EVERY);
            }
        }
        Duration took = Duration.between(drainStart, Instant.now());
        RequestCounts afterDrain = RequestCounts.of(ground.simulator, BenchmarkGround.WORKER_TOKEN_LABEL);
        progress("worker drained in " + took.toSeconds() + " s");
        return new Side(jobs.posted(), jobs.completed(), jobs.byState(), jobs.handedBack(),
                ground.database.postedSince(end), atEnd.since(atStart), afterDrain.since(atEnd), jobs.unanswered() == 0, took);
    }

    private Side drainPeer(SimulatorControl simulator, DoctlPeer peer, RequestCounts atEnd)
            throws InterruptedException {
        Instant drainStart = Instant.now();
        boolean drained = peer.awaitDrained(o.drainTimeout());
        Duration took = Duration.between(drainStart, Instant.now());
        RequestCounts afterDrain = RequestCounts.of(simulator, BenchmarkGround.PEER_TOKEN_LABEL);
        Instant start = peer.windowStart().orElseThrow();
        Instant end = peer.windowEnd().orElseThrow();
        Map<String, Long> outcomes = new TreeMap<>();
        long posted = 0;
        long after = 0;
        for (DoctlPeer.Command command : peer.commands()) {
            if (command.postSentAt() == null) {
                continue;
            }
            if (command.postSentAt().isBefore(start) || !command.postSentAt().isBefore(end)) {
                after++;
                continue;
            }
            posted++;
            outcomes.merge(command.outcome(), 1L, Long::sum);
        }
        progress("peer drained in " + took.toSeconds() + " s");
        return new Side(posted, outcomes.getOrDefault("completed", 0L), outcomes, 0, after, atEnd,
                afterDrain.since(atEnd), drained, took);
    }

    private void side(Report.Section section, Side side, SimulatorControl.TokenWindows peaks) {
        RequestCounts all = side.window.plus(side.drain);
        Integer allowance = o.allowance();
        section.put("posted_in_window", "jobs whose POST went out in the window", side.posted)
                .put("completed", "of them completed", side.completed)
                .put("outcomes", "how they ended", side.outcomes)
                .put("posts_after_window", "POSTs after the window (not counted)", side.postsAfterWindow)
                .put("drained", "every window job answered", side.drained)
                .put("drain_s", "drain took (s)", side.drainTook.toMillis() / 1000.0)
                .put("requests_window", "requests in the window", side.window.byEndpoint())
                .put("requests_window_total", "requests in the window, total", side.window.total())
                .put("requests_drain", "requests in the drain", side.drain.byEndpoint())
                .put("requests_drain_total", "requests in the drain, total", side.drain.total())
                .put("posts_429", "POSTs refused with 429", all.of(POST_ACTION, 429))
                .put("too_many_requests", "429s", all.withStatus(429))
                .put("requests_per_completed_job", "requests per completed job",
                        side.completed == 0 ? null : (double) all.total() / side.completed)
                .put("allowance", "requests DigitalOcean allows in the window", allowance)
                .put("share_of_limit", "completed ÷ allowance",
                        allowance == null ? null : (double) side.completed / allowance)
                .put("peak_minute", "peak in any sliding minute (simulator)", peaks.peakMinute())
                .put("peak_hour", "peak in any sliding hour (simulator)", peaks.peakHour())
                .put("limit_minute", "limit per minute", o.minuteLimit())
                .put("limit_hour", "limit per hour", o.simulatorHourlyLimit())
                .put("within_limits", "no 429 and never above either limit", peaks.tooManyRequests() == 0
                        && peaks.peakMinute() <= o.minuteLimit() && peaks.peakHour() <= o.simulatorHourlyLimit());
    }

    private boolean aboveLimit(SimulatorControl.TokenWindows peaks) {
        return peaks.peakMinute() > o.minuteLimit() || peaks.peakHour() > o.simulatorHourlyLimit();
    }

    private static Instant earlier(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static long posts(SimulatorControl simulator, String token) {
        return RequestCounts.of(simulator, token).of(POST_ACTION, 201);
    }
}
