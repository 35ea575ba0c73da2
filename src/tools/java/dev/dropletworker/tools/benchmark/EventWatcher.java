package dev.dropletworker.tools.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.tools.ground.CommandBus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A producer service reading its answers: each command's first event on {@code droplet-events},
 * with the time it arrived here and its outcome. Keeps only that (not the records), so a run of
 * tens of thousands of commands stays cheap for the benchmark's own JVM.
 */
final class EventWatcher implements AutoCloseable {

    /** When the first event for a command arrived, and the outcome it reported. */
    record Answer(Instant arrived, String outcome) {
    }

    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    EventWatcher(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "benchmark-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "500");
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p);
        consumer.subscribe(List.of(CommandBus.EVENTS));
        thread = new Thread(() -> {
            try (consumer) {
                while (running) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        Instant now = Instant.now();
                        JsonNode event = CommandBus.json(record.value());
                        answers.putIfAbsent(event.path("subject").asText(),
                                new Answer(now, event.path("data").path("outcome").asText("?")));
                    }
                }
            }
        }, "benchmark-events");
        thread.setDaemon(true);
        thread.start();
    }

    int answered() {
        return answers.size();
    }

    /** Waits until {@code count} commands are answered; false if the time ran out first. */
    boolean awaitAnswered(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (answers.size() < count) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    /** The arrival of the last first-event so far. */
    Instant lastArrival() {
        return answers.values().stream().map(Answer::arrived).max(Instant::compareTo).orElse(Instant.now());
    }

    /** Answered commands by outcome. */
    Map<String, Long> outcomes() {
        Map<String, Long> outcomes = new TreeMap<>();
        answers.values().forEach(a -> outcomes.merge(a.outcome(), 1L, Long::sum));
        return outcomes;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
    }
}
