package dev.dropletworker.testsupport;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stands in for an OpenTelemetry collector: accepts OTLP/HTTP exports (protobuf) on 127.0.0.1 and
 * keeps their bodies, so a test can see which traces the worker exported. A trace id travels in
 * the protobuf as its 16 raw bytes, which is all a test needs to look for.
 */
public final class TraceCollector implements AutoCloseable {

    private final HttpServer server;
    private final List<byte[]> exports = new CopyOnWriteArrayList<>();

    private TraceCollector(HttpServer server) {
        this.server = server;
    }

    public static TraceCollector start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            TraceCollector collector = new TraceCollector(server);
            server.createContext("/", exchange -> {
                try (InputStream body = exchange.getRequestBody()) {
                    collector.exports.add(body.readAllBytes());
                }
                // An empty ExportTraceServiceResponse: everything accepted.
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.start();
            return collector;
        } catch (IOException e) {
            throw new IllegalStateException("trace collector did not start", e);
        }
    }

    /** Where the worker sends its spans (OTLP over HTTP). */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Whether any export so far held a span of this trace (32 hex digits). */
    public boolean received(String traceIdHex) {
        byte[] id = HexFormat.of().parseHex(traceIdHex);
        return exports.stream().anyMatch(body -> contains(body, id));
    }

    private static boolean contains(byte[] body, byte[] id) {
        outer:
        for (int i = 0; i + id.length <= body.length; i++) {
            for (int j = 0; j < id.length; j++) {
                if (body[i + j] != id[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
