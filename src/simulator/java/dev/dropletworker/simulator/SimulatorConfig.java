package dev.dropletworker.simulator;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Start-up settings of a {@link DigitalOceanSimulator}. Faults and action durations set here are
 * also what {@code POST /_sim/reset} returns to. Immutable; build with {@link #builder()}.
 */
public final class SimulatorConfig {

    /** Long enough to watch an action run in a local run; tests set their own. */
    public static final Duration DEFAULT_ACTION_DURATION = Duration.ofSeconds(3);

    private final String host;
    private final int port;
    private final List<String> tokens;
    private final ActionDurations actionDurations;
    private final int hourlyLimit;
    private final int minuteLimit;
    private final long seed;
    private final Clock clock;
    private final Faults faults;
    private final int eventLoops;
    private final int requestLogCapacity;

    private SimulatorConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.tokens = List.copyOf(b.tokens);
        this.actionDurations = new ActionDurations(b.defaultActionDuration, b.actionDurations);
        this.hourlyLimit = b.hourlyLimit;
        this.minuteLimit = b.minuteLimit;
        this.seed = b.seed;
        this.clock = b.clock;
        this.faults = new Faults(b.serverErrorRate, b.dropConnectionRate, b.appliedButLostRate,
                b.appliedButLostResponse, new Faults.Latency(b.latencyFixed.toMillis(), b.latencyJitter.toMillis()),
                b.notFoundAfterCreate.toMillis(), b.erroredProbability, List.copyOf(b.faultEndpoints));
        this.eventLoops = b.eventLoops;
        this.requestLogCapacity = b.requestLogCapacity;
    }

    public static SimulatorConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The address the simulator binds: 127.0.0.1 unless set (0.0.0.0 inside a container). */
    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** Accepted bearer tokens; empty means any bearer token is accepted. */
    public List<String> tokens() {
        return tokens;
    }

    public int hourlyLimit() {
        return hourlyLimit;
    }

    public int minuteLimit() {
        return minuteLimit;
    }

    public long seed() {
        return seed;
    }

    public Clock clock() {
        return clock;
    }

    public int eventLoops() {
        return eventLoops;
    }

    /** How long actions of {@code type} run: the shortest, when their duration is a range. */
    public Duration actionDuration(String type) {
        return Duration.ofMillis(actionDurationRange(type).minMs());
    }

    /** The longest that actions of {@code type} run: {@link #actionDuration} unless a range is set. */
    public Duration actionDurationMax(String type) {
        return Duration.ofMillis(actionDurationRange(type).maxMs());
    }

    private ActionDurations.Range actionDurationRange(String type) {
        ActionType actionType = ActionType.of(type);
        return actionType == null ? actionDurations.fallback() : actionDurations.of(actionType);
    }

    ActionDurations actionDurations() {
        return actionDurations;
    }

    Faults faults() {
        return faults;
    }

    int requestLogCapacity() {
        return requestLogCapacity;
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private final List<String> tokens = new ArrayList<>();
        private ActionDurations.Range defaultActionDuration =
                ActionDurations.Range.fixed(DEFAULT_ACTION_DURATION.toMillis());
        private final Map<String, ActionDurations.Range> actionDurations = new HashMap<>();
        private double erroredProbability;
        private int hourlyLimit = 5000;
        private int minuteLimit = 250;
        private long seed = 1;
        private Clock clock = Clock.systemUTC();
        private double serverErrorRate;
        private double dropConnectionRate;
        private double appliedButLostRate;
        private String appliedButLostResponse = Faults.LOST_AS_SERVER_ERROR;
        private Duration latencyFixed = Duration.ZERO;
        private Duration latencyJitter = Duration.ZERO;
        private Duration notFoundAfterCreate = Duration.ZERO;
        private final List<String> faultEndpoints = new ArrayList<>();
        private int eventLoops = Math.min(2, Runtime.getRuntime().availableProcessors());
        private int requestLogCapacity = 10_000;

        private Builder() {
        }

        /** The address to bind; 0.0.0.0 serves every interface (a container's, say). */
        public Builder host(String host) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            this.host = host;
            return this;
        }

        /** 0 (the default) picks a free port. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535");
            }
            this.port = port;
            return this;
        }

        /** Adds an accepted bearer token; call once per token. */
        public Builder token(String token) {
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("token must not be blank");
            }
            tokens.add(token);
            return this;
        }

        /** How long every action type stays in progress unless set per type. */
        public Builder actionDuration(Duration duration) {
            return actionDuration(duration, duration);
        }

        /** Every action of a type not set on its own runs a duration drawn uniformly from min to max. */
        public Builder actionDuration(Duration min, Duration max) {
            this.defaultActionDuration = ActionDurations.Range.of(nonNegative(min), nonNegative(max));
            return this;
        }

        /** How long actions of {@code type} (e.g. {@code create}, {@code power_off}) stay in progress. */
        public Builder actionDuration(String type, Duration duration) {
            return actionDuration(type, duration, duration);
        }

        /**
         * Each action of {@code type} runs a duration drawn uniformly from min to max (both included),
         * from a generator seeded by {@link #seed}, so the same requests get the same durations.
         */
        public Builder actionDuration(String type, Duration min, Duration max) {
            if (ActionType.of(type) == null) {
                throw new IllegalArgumentException("unknown action type: " + type);
            }
            actionDurations.put(type, ActionDurations.Range.of(nonNegative(min), nonNegative(max)));
            return this;
        }

        /** Probability that an action ends {@code errored} instead of {@code completed}. */
        public Builder erroredProbability(double p) {
            this.erroredProbability = rate(p);
            return this;
        }

        public Builder hourlyLimit(int limit) {
            this.hourlyLimit = positive(limit);
            return this;
        }

        public Builder minuteLimit(int limit) {
            this.minuteLimit = positive(limit);
            return this;
        }

        /** Seed of the random choices (faults, errored outcomes, durations drawn from ranges). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The base clock; the simulator adds to it whatever {@link DigitalOceanSimulator#advanceClock}
         * or {@code POST /_sim/clock/advance} moved it forward by.
         */
        public Builder clock(Clock clock) {
            this.clock = java.util.Objects.requireNonNull(clock);
            return this;
        }

        public Builder serverErrorRate(double rate) {
            this.serverErrorRate = rate(rate);
            return this;
        }

        public Builder dropConnectionRate(double rate) {
            this.dropConnectionRate = rate(rate);
            return this;
        }

        /** Rate of POSTs that take effect but whose response is replaced by a 500 (or a reset). */
        public Builder appliedButLostRate(double rate) {
            this.appliedButLostRate = rate(rate);
            return this;
        }

        /** {@code true}: a lost response is a closed connection; {@code false} (default): a 500. */
        public Builder appliedButLostAsReset(boolean reset) {
            this.appliedButLostResponse = reset ? Faults.LOST_AS_RESET : Faults.LOST_AS_SERVER_ERROR;
            return this;
        }

        /** Every API response waits {@code fixed} plus a uniform random part of up to {@code jitter}. */
        public Builder latency(Duration fixed, Duration jitter) {
            this.latencyFixed = nonNegative(fixed);
            this.latencyJitter = nonNegative(jitter);
            return this;
        }

        /** For this long after its create, {@code GET /v2/droplets/{id}} answers 404 for a new Droplet. */
        public Builder notFoundAfterCreate(Duration duration) {
            this.notFoundAfterCreate = nonNegative(duration);
            return this;
        }

        /** Limits request faults to one endpoint, written like {@code "POST /v2/droplets"}; repeatable. */
        public Builder faultEndpoint(String endpoint) {
            if (Endpoint.byLabel(endpoint) == null) {
                throw new IllegalArgumentException("unknown endpoint '" + endpoint + "'; known: " + Endpoint.labels());
            }
            faultEndpoints.add(endpoint);
            return this;
        }

        /** Vert.x event loops serving requests; defaults to min(2, cores). */
        public Builder eventLoops(int n) {
            this.eventLoops = positive(n);
            return this;
        }

        public Builder requestLogCapacity(int n) {
            this.requestLogCapacity = positive(n);
            return this;
        }

        public SimulatorConfig build() {
            return new SimulatorConfig(this);
        }

        private static Duration nonNegative(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("duration must be zero or more");
            }
            return d;
        }

        private static double rate(double p) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("rate must be from 0 to 1");
            }
            return p;
        }

        private static int positive(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("must be at least 1");
            }
            return n;
        }
    }
}
