package dev.dropletworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The most recent API requests, in a bounded ring, for tests that assert on what a client sent. */
final class RequestLog {

    /**
     * {@code body} is the parsed JSON request body with any {@code user_data} replaced by its size;
     * {@code fault} the injected fault that answered the request ({@code server_error},
     * {@code applied_but_lost}, a scripted step's fault, ...), null when none did; {@code traceparent}
     * the W3C trace context the client sent, if any.
     */
    record Entry(long seq, String time, String method, String path, String query, String endpoint, int status,
                 String token, String requestId, JsonNode body, String fault, String traceparent) {
    }

    /** The {@code GET /_sim/requests} document: entries and the newest sequence number, read together. */
    record Page(List<Entry> requests, long lastSeq) {
    }

    private final Entry[] ring;
    private long lastSeq;

    RequestLog(int capacity) {
        this.ring = new Entry[capacity];
    }

    synchronized void append(String time, String method, String path, String query, String endpoint, int status,
                             String token, String requestId, JsonNode body, String fault, String traceparent) {
        long seq = ++lastSeq;
        ring[(int) (seq % ring.length)] = new Entry(seq, time, method, path, query, endpoint, status, token, requestId,
                body, fault, traceparent);
    }

    /** Entries after {@code seq}, oldest first; older ones than the ring holds are gone. */
    synchronized Page since(long seq, int limit) {
        long from = Math.max(seq + 1, lastSeq - ring.length + 1);
        List<Entry> out = new ArrayList<>();
        for (long s = Math.max(from, 1); s <= lastSeq && out.size() < limit; s++) {
            out.add(ring[(int) (s % ring.length)]);
        }
        return new Page(out, lastSeq);
    }

    synchronized void reset() {
        Arrays.fill(ring, null);
        lastSeq = 0;
    }
}
