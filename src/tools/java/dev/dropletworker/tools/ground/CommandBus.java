package dev.dropletworker.tools.ground;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

/**
 * A producer service's view of the worker, with plain Kafka clients: send commands, read events and
 * dead letters. One per broker; listeners read their topics from the beginning in the background.
 */
public final class CommandBus implements AutoCloseable {

    public static final String COMMANDS = "droplet-commands";
    public static final String EVENTS = "droplet-events";
    public static final String DEAD_LETTERS = "droplet-commands-dlq";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, CommandBus> BY_BROKER = new java.util.concurrent.ConcurrentHashMap<>();

    private final KafkaProducer<String, byte[]> producer;
    private final TopicListener events;
    private final TopicListener deadLetters;

    private CommandBus(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // Room for the hostile records tests send (over 1 MiB, to topics raised to take them).
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 * 1024 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L * 1024 * 1024));
        producer = new KafkaProducer<>(p);
        events = new TopicListener(bootstrap, EVENTS);
        deadLetters = new TopicListener(bootstrap, DEAD_LETTERS);
    }

    /** The bus for this broker, started on first use and kept for the JVM. */
    public static CommandBus on(String bootstrapServers) {
        return BY_BROKER.computeIfAbsent(bootstrapServers, CommandBus::new);
    }

    public void send(String key, String json) {
        send(key, json.getBytes(StandardCharsets.UTF_8));
    }

    public void send(String key, byte[] value) {
        send(key, value, Map.of());
    }

    /** With record headers, such as the {@code traceparent} of the producer's trace. */
    public void send(String key, byte[] value, Map<String, String> headers) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(COMMANDS, key, value);
        headers.forEach((name, text) -> record.headers().add(name, text.getBytes(StandardCharsets.UTF_8)));
        try {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not send command", e);
        }
    }

    /** Waits for the first event whose subject is this command id. */
    public JsonNode awaitEvent(String commandId, Duration timeout) {
        return json(events.await(r -> commandId.equals(subject(r)), timeout).value());
    }

    /** Waits for the first event whose subject is this command id, as the record it came in. */
    public ConsumerRecord<String, byte[]> awaitEventRecord(String commandId, Duration timeout) {
        return events.await(r -> commandId.equals(subject(r)), timeout);
    }

    /** Every event seen so far for this command id. */
    public List<JsonNode> eventsFor(String commandId) {
        return events.records().stream().filter(r -> commandId.equals(subject(r))).map(r -> json(r.value())).toList();
    }

    public List<ConsumerRecord<String, byte[]>> events() {
        return events.records();
    }

    /** Every dead-letter record seen so far. */
    public List<ConsumerRecord<String, byte[]>> deadLetters() {
        return deadLetters.records();
    }

    public ConsumerRecord<String, byte[]> awaitDeadLetter(Predicate<ConsumerRecord<String, byte[]>> match,
            Duration timeout) {
        return deadLetters.await(match, timeout);
    }

    public static String header(ConsumerRecord<?, ?> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    public static String newCommandId(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    public static String subject(ConsumerRecord<String, byte[]> record) {
        return json(record.value()).path("subject").asText(null);
    }

    public static JsonNode json(byte[] value) {
        try {
            return MAPPER.readTree(value);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("event is not JSON", e);
        }
    }

    @Override
    public void close() {
        producer.close();
        events.close();
        deadLetters.close();
    }

    /**
     * Reads one topic from the beginning into memory until closed. Each record is kept once: after
     * a broker restart the listener may be handed again what it read but had not yet committed, and
     * that is the same record (same partition and offset), not a second copy of an event.
     */
    private static final class TopicListener implements AutoCloseable {
        private final List<ConsumerRecord<String, byte[]>> records = new CopyOnWriteArrayList<>();
        private final Set<String> seen = new HashSet<>();
        private final Thread thread;
        private volatile boolean running = true;

        TopicListener(String bootstrap, String topic) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-listener-" + topic + "-" + UUID.randomUUID());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "500");
            KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p);
            consumer.subscribe(List.of(topic));
            thread = new Thread(() -> {
                try (consumer) {
                    while (running) {
                        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                            if (seen.add(record.partition() + "@" + record.offset())) {
                                records.add(record);
                            }
                        }
                    }
                }
            }, "listener-" + topic);
            thread.setDaemon(true);
            thread.start();
        }

        List<ConsumerRecord<String, byte[]>> records() {
            return List.copyOf(records);
        }

        ConsumerRecord<String, byte[]> await(Predicate<ConsumerRecord<String, byte[]>> match, Duration timeout) {
            return Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(50))
                    .until(() -> records.stream().filter(match).findFirst().orElse(null), r -> r != null);
        }

        @Override
        public void close() {
            running = false;
        }
    }
}
