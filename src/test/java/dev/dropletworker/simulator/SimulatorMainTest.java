package dev.dropletworker.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
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

        assertEquals("127.0.0.1", config.host(), "loopback unless asked");
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
    void hostFlagBindsAnotherAddress() {
        assertEquals("0.0.0.0", SimulatorMain.parse(new String[] {"--host", "0.0.0.0"}).host());
        assertThrows(IllegalArgumentException.class, () -> SimulatorMain.parse(new String[] {"--host", " "}));
    }

    /**
     * In a container the simulator binds every interface and is reached by a service name: its
     * links must carry the name the client used, not the address it bound.
     */
    @Test
    void boundToEveryInterfaceItLinksBackToTheAddressItWasReachedAt() {
        try (DigitalOceanSimulator simulator = DigitalOceanSimulator.start(SimulatorConfig.builder()
                .host("0.0.0.0").token("dop_v1_container").build())) {
            assertEquals("http://127.0.0.1:" + simulator.port(), simulator.baseUrl());
            SimulatorClient byName = new SimulatorClient("http://localhost:" + simulator.port(), "dop_v1_container");

            assertEquals(200, byName.admin("GET", "health", null).status());
            assertEquals("UP", byName.admin("GET", "health", null).body().path("status").asText());
            SimulatorClient.Response created = byName.post("/v2/droplets",
                    "{\"name\":\"c\",\"region\":\"nyc3\",\"size\":\"s-1vcpu-1gb\",\"image\":\"ubuntu-24-04-x64\"}");
            assertEquals(202, created.status());
            JsonNode link = created.body().path("links").path("actions").get(0);
            assertEquals("http://localhost:" + simulator.port() + "/v2/actions/" + link.path("id").asLong(),
                    link.path("href").asText());
        }
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
