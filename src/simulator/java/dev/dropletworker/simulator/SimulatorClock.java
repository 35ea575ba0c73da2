package dev.dropletworker.simulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulator's notion of "now": a base clock plus an offset that tests move forward, so that
 * rate windows and action lifecycles can be driven without sleeping. Action completion is
 * evaluated lazily against this clock, which is why advancing it is enough to finish actions.
 */
final class SimulatorClock {

    private final Clock base;
    private final AtomicLong offsetMillis = new AtomicLong();

    SimulatorClock(Clock base) {
        this.base = base;
    }

    long millis() {
        return base.millis() + offsetMillis.get();
    }

    Instant now() {
        return Instant.ofEpochMilli(millis());
    }

    void advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("the simulator clock only moves forward");
        }
        offsetMillis.addAndGet(by.toMillis());
    }
}
