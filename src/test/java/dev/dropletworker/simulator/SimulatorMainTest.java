package dev.dropletworker.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatorMainTest {

    @Test
    void flagsBecomeConfiguration() {
        SimulatorConfig config = SimulatorMain.parse(new String[] {"--port", "9000", "--token", "a", "--token=b",
            "--action-duration-ms", "2000", "--action-duration", "create=5000", "--hourly-limit", "100",
            "--minute-limit=10", "--seed", "7", "--server-error-rate", "0.1", "--latency-ms", "20",
            "--latency-jitter-ms", "5", "--not-found-after-create-ms", "1500", "--fault-endpoint", "POST /v2/droplets"});

        assertEquals(9000, config.port());
        assertEquals(List.of("a", "b"), config.tokens());
        assertEquals(Duration.ofMillis(2000), config.actionDuration("reboot"));
        assertEquals(Duration.ofMillis(5000), config.actionDuration("create"));
        assertEquals(100, config.hourlyLimit());
        assertEquals(10, config.minuteLimit());
        assertEquals(7, config.seed());
        assertEquals(0.1, config.faults().serverErrorRate());
        assertEquals(new Faults.Latency(20, 5), config.faults().latencyMs());
        assertEquals(1500, config.faults().notFoundAfterCreateMs());
        assertEquals(List.of("POST /v2/droplets"), config.faults().endpoints());
    }

    @Test
    void durationsTakeAFixedTimeOrARange() {
        SimulatorConfig config = SimulatorMain.parse(new String[] {"--action-duration-ms", "1000-2000",
            "--action-duration", "reboot=10000-30000", "--action-duration=create=5000"});

        assertEquals(Duration.ofMillis(1000), config.actionDuration("power_on"));
        assertEquals(Duration.ofMillis(2000), config.actionDurationMax("power_on"));
        assertEquals(Duration.ofMillis(10_000), config.actionDuration("reboot"));
        assertEquals(Duration.ofMillis(30_000), config.actionDurationMax("reboot"));
        assertEquals(Duration.ofMillis(5000), config.actionDuration("create"));
        assertEquals(Duration.ofMillis(5000), config.actionDurationMax("create"));
        assertThrows(IllegalArgumentException.class,
                () -> SimulatorMain.parse(new String[] {"--action-duration", "reboot=30000-10000"}));
        assertThrows(IllegalArgumentException.class,
                () -> SimulatorMain.parse(new String[] {"--action-duration-ms", "-5"}));
    }

    @Test
    void defaultsMatchTheRealApi() {
        SimulatorConfig config = SimulatorMain.parse(new String[0]);
        assertEquals(8089, config.port());
        assertEquals(5000, config.hourlyLimit());
        assertEquals(250, config.minuteLimit());
        assertEquals(SimulatorConfig.DEFAULT_ACTION_DURATION, config.actionDuration("create"));
    }

    @Test
    void badFlagsAreRefusedAndHelpIsNotAConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> SimulatorMain.parse(new String[] {"--prot", "1"}));
        assertThrows(IllegalArgumentException.class, () -> SimulatorMain.parse(new String[] {"--port"}));
        assertThrows(IllegalArgumentException.class, () -> SimulatorMain.parse(new String[] {"--port", "x"}));
        assertThrows(IllegalArgumentException.class,
                () -> SimulatorMain.parse(new String[] {"--server-error-rate", "2"}));
        assertNull(SimulatorMain.parse(new String[] {"--help"}));
    }
}
