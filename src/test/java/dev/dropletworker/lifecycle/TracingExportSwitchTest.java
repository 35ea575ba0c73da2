package dev.dropletworker.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The OpenTelemetry SDK (and with it the span exporter) is on only where a collector is named. */
class TracingExportSwitchTest {

    @Test
    void withoutAnEndpointTheSdkIsOff() {
        assertEquals(true, sdkDisabled(Map.of()));
    }

    @Test
    void anEndpointForAllSignalsOrForTracesTurnsItOn() {
        assertEquals(false, sdkDisabled(Map.of(TracingExportSwitch.ENDPOINT, "http://otel-collector:4317")));
        assertEquals(false, sdkDisabled(Map.of(TracingExportSwitch.TRACES_ENDPOINT, "http://otel-collector:4318")));
    }

    @Test
    void anExplicitSettingWinsEitherWay() {
        assertEquals(false, sdkDisabled(Map.of(TracingExportSwitch.SDK_DISABLED, "false")));
        assertEquals(true, sdkDisabled(Map.of(TracingExportSwitch.SDK_DISABLED, "true",
                TracingExportSwitch.ENDPOINT, "http://otel-collector:4317")));
    }

    /** As Quarkus resolves it: its own default ("false") among the defaults, the settings above them. */
    private static boolean sdkDisabled(Map<String, String> settings) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withInterceptors(new TracingExportSwitch())
                .withDefaultValue(TracingExportSwitch.SDK_DISABLED, "false")
                .withSources(new PropertiesConfigSource(settings, "settings", 300))
                .build();
        return config.getValue(TracingExportSwitch.SDK_DISABLED, Boolean.class);
    }
}
