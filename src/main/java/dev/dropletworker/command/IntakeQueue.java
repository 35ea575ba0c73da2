package dev.dropletworker.command;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Command records handed over by the consumer, waiting for intake's writer, which records them a
 * batch to a transaction. Bounded in records and in bytes: once it is full, the consumer is handed
 * a stage that completes only when the writer has taken records out, and receives nothing more
 * until then (so a flood of large records holds the consumer back rather than filling the heap).
 */
final class IntakeQueue {

    /** A record and the message that acknowledges it once it is answered. */
    record Entry(Message<byte[]> message, ConsumerRecord<String, byte[]> record) {
        long bytes() {
            return record.value() == null ? 0 : record.value().length;
        }
    }

    private static final CompletionStage<Void> ACCEPTED = CompletableFuture.completedFuture(null);

    private final int maxEntries;
    private final long maxBytes;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long bytes;
    private CompletableFuture<Void> roomMade;

    IntakeQueue(int maxEntries, long maxBytes) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    /**
     * Queues a record; the consumer hands over the next one when the stage completes: at once while
     * there is room, else when the writer has made some.
     */
    synchronized CompletionStage<Void> offer(Entry entry) {
        entries.add(entry);
        bytes += entry.bytes();
        notifyAll();
        if (hasRoom()) {
            return ACCEPTED;
        }
        roomMade = new CompletableFuture<>();
        return roomMade;
    }

    /**
     * The records waiting, oldest first, at most {@code max}; waits up to {@code timeoutMillis} for
     * the first.
     *
     * @return nothing when none came in time
     */
    List<Entry> take(int max, long timeoutMillis) throws InterruptedException {
        List<Entry> taken = new ArrayList<>();
        CompletableFuture<Void> waiting = null;
        synchronized (this) {
            long deadline = System.currentTimeMillis() + timeoutMillis;
            while (entries.isEmpty()) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return taken;
                }
                wait(left);
            }
            while (!entries.isEmpty() && taken.size() < max) {
                Entry entry = entries.poll();
                bytes -= entry.bytes();
                taken.add(entry);
            }
            if (roomMade != null && hasRoom()) {
                waiting = roomMade;
                roomMade = null;
            }
        }
        if (waiting != null) {
            waiting.complete(null); // outside the lock: the consumer goes on on its own thread
        }
        return taken;
    }

    synchronized int size() {
        return entries.size();
    }

    private boolean hasRoom() {
        return entries.size() < maxEntries && bytes < maxBytes;
    }
}
