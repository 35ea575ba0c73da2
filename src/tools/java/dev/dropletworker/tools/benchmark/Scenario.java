package dev.dropletworker.tools.benchmark;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The benchmark's scenarios, each run from nothing: servers, Droplets and pods of its own. */
enum Scenario {
    /** Real limits, one pod: how much of the budget a window's work gets. */
    BUDGET("budget"),
    /** {@link #BUDGET} with a doctl-style client on a second token at the same time. */
    PEER("peer"),
    /** {@link #BUDGET} with three pods on one token. */
    SHARED_TOKEN("shared-token"),
    /** {@link #BUDGET} with the hourly limit low enough to bind inside the window. */
    HOUR_BOUND("hour-bound"),
    /** Real limits and a backlog far beyond them: intake speed and the cost of a claim. */
    BACKLOG("backlog"),
    /** Limits out of the way, actions done at once: the worker's own cost and latency. */
    OVERHEAD("overhead");

    final String wireName;

    Scenario(String wireName) {
        this.wireName = wireName;
    }

    static Scenario named(String name) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown scenario " + name + "; one of "
                        + Arrays.stream(values()).map(s -> s.wireName).collect(Collectors.joining(", "))));
    }

    Report run(BenchmarkOptions options) throws Exception {
        return switch (this) {
            case BUDGET, PEER, SHARED_TOKEN, HOUR_BOUND -> new WindowRun(this, options).run();
            case BACKLOG -> new BacklogRun(options).run();
            case OVERHEAD -> new OverheadRun(options).run();
        };
    }
}
