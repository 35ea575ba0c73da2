package dev.dropletworker.lifecycle;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;
import jakarta.annotation.Priority;

/**
 * Spans are exported only where a collector is named: unless {@code quarkus.otel.sdk.disabled} is
 * set explicitly, the OpenTelemetry SDK is off until an OTLP endpoint is configured
 * ({@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT} or {@code ..._TRACES_ENDPOINT}). Left on without
 * one, the exporter would send every span to localhost:4317 and log each failure. The trace
 * context still travels from command to event with the SDK off (see {@link JobTrace}).
 * Registered in {@code META-INF/services/io.smallrye.config.ConfigSourceInterceptor}.
 */
@Priority(Priorities.APPLICATION)
public class TracingExportSwitch implements ConfigSourceInterceptor {

    static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";
    static final String ENDPOINT = "quarkus.otel.exporter.otlp.endpoint";
    static final String TRACES_ENDPOINT = "quarkus.otel.exporter.otlp.traces.endpoint";

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!SDK_DISABLED.equals(name) || isSet(value)) {
            return value;
        }
        boolean collector = isSet(context.proceed(ENDPOINT)) || isSet(context.proceed(TRACES_ENDPOINT));
        return ConfigValue.builder().withName(name).withValue(Boolean.toString(!collector))
                .withConfigSourceName(TracingExportSwitch.class.getSimpleName()).build();
    }

    /** Set by someone: present and not one of the defaults (which sit at the lowest ordinal). */
    private static boolean isSet(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank()
                && value.getConfigSourceOrdinal() > Integer.MIN_VALUE;
    }
}
