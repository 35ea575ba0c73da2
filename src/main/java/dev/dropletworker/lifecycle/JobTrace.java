package dev.dropletworker.lifecycle;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Carries a command's trace through its job. A job is worked on by several roles, on several
 * pods, across restarts, so the trace context is not left on a thread: intake keeps it with the
 * job (its W3C {@code traceparent}), each step of work continues it in a span of its own, under
 * which the DigitalOcean requests are traced, and the completion event's record carries it on.
 * <p>
 * W3C trace context is read and written with its own propagator, which works whether or not the
 * OpenTelemetry SDK is on: without a collector nothing is exported and the DigitalOcean requests
 * carry no trace headers, but the event still continues the command's trace (same trace id and
 * sampling flag).
 */
@ApplicationScoped
public class JobTrace {

    public static final String HEADER = "traceparent";
    private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();

    private final Tracer tracer;

    public JobTrace(Tracer tracer) {
        this.tracer = tracer;
    }

    /**
     * What to keep with a job read from this record: the current span's context (intake's consumer
     * span, when tracing is on), else the record's own {@code traceparent}, else null. Whatever is
     * kept has been parsed and written out again, so nothing but a valid traceparent is stored.
     */
    public String toKeep(Headers record) {
        String current = traceParentOf(Context.current());
        if (current != null) {
            return current;
        }
        return traceParentOf(W3C.extract(Context.root(), record, KAFKA_HEADERS));
    }

    /**
     * Continues a kept trace for one step of work: a span under it, current on this thread until
     * closed (a span that records nothing when tracing is off). With nothing kept, a new trace.
     */
    public Step step(String traceParent, String name, SpanKind kind) {
        Context parent = traceParent == null ? Context.root()
                : W3C.extract(Context.root(), Map.of(HEADER, traceParent), MAP);
        Span span = tracer.spanBuilder(name).setParent(parent).setSpanKind(kind).startSpan();
        return new Step(span, span.makeCurrent());
    }

    /** The traceparent to send on for the current span, or null when there is none. */
    public String current() {
        return traceParentOf(Context.current());
    }

    /** A span of work on a job, current until closed. */
    public static final class Step implements AutoCloseable {
        private final Span span;
        private final Scope scope;

        private Step(Span span, Scope scope) {
            this.span = span;
            this.scope = scope;
        }

        public Step attribute(String key, String value) {
            if (value != null) {
                span.setAttribute(key, value);
            }
            return this;
        }

        @Override
        public void close() {
            scope.close();
            span.end();
        }
    }

    private static String traceParentOf(Context context) {
        if (!Span.fromContext(context).getSpanContext().isValid()) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>();
        W3C.inject(context, carrier, Map::put);
        return carrier.get(HEADER);
    }

    private static final TextMapGetter<Map<String, String>> MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private static final TextMapGetter<Headers> KAFKA_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
            List<String> keys = new ArrayList<>();
            carrier.forEach(h -> keys.add(h.key()));
            return keys;
        }

        @Override
        public String get(Headers carrier, String key) {
            Header header = carrier == null ? null : carrier.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    };
}
