package dev.dropletworker.tools.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The local run's terminal: every line typed that is a JSON object goes to the commands topic,
 * and every event on the events topic is printed as it arrives.
 */
final class CommandConsole implements AutoCloseable {

    static final String COMMANDS_TOPIC = "droplet-commands";
    static final String EVENTS_TOPIC = "droplet-events";
    static final String DEAD_LETTER_TOPIC = "droplet-commands-dlq";
    static final List<String> TOPICS = List.of(COMMANDS_TOPIC, EVENTS_TOPIC, DEAD_LETTER_TOPIC);
    static final String EXAMPLE_COMMAND =
            "{\"command_id\":\"demo-1\",\"type\":\"droplet.action\",\"droplet_id\":123,\"action\":{\"type\":\"power_off\"}}";

    private final ObjectMapper json = new ObjectMapper();
    private final String bootstrapServers;
    private final KafkaProducer<String, String> producer;
    private final Thread eventPrinter;
    private volatile KafkaConsumer<String, String> consumer;
    private volatile boolean closed;
    private final boolean fromNow;

    /** @param fromNow print only events published from now on (the demo already reported the earlier ones) */
    CommandConsole(String bootstrapServers, boolean fromNow) {
        this.bootstrapServers = bootstrapServers;
        this.fromNow = fromNow;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()));
        this.eventPrinter = new Thread(this::printEvents, "event-printer");
        eventPrinter.setDaemon(true);
        eventPrinter.start();
    }

    /** Sends each JSON-object line to the commands topic until standard input ends. */
    void sendCommandsFrom(InputStream input) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
        String line;
        while (!closed && (line = lines.readLine()) != null) {
            send(line.strip());
        }
    }

    private void send(String line) {
        if (line.isEmpty()) {
            return;
        }
        JsonNode command;
        try {
            command = json.readTree(line);
        } catch (JsonProcessingException e) {
            command = null;
        }
        if (command == null || !command.isObject()) {
            System.out.println("Not a JSON object, not sent. One command per line, for example:\n  " + EXAMPLE_COMMAND);
            return;
        }
        // Keyed by Droplet so that commands for one Droplet share a partition and keep their order.
        String key = text(command.get("droplet_id"));
        if (key == null) {
            key = text(command.get("command_id"));
        }
        String shownKey = key;
        producer.send(new ProducerRecord<>(COMMANDS_TOPIC, key, line), (metadata, error) -> {
            if (error != null) {
                System.out.println(">>> not sent: " + error.getMessage());
            } else {
                System.out.printf(">>> sent to %s (key %s, partition %d, offset %d)%n",
                        COMMANDS_TOPIC, shownKey, metadata.partition(), metadata.offset());
            }
        });
    }

    private void printEvents() {
        try (KafkaConsumer<String, String> events = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "local-stack-console",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromNow ? "latest" : "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()))) {
            consumer = events;
            if (closed) {
                return;
            }
            events.subscribe(List.of(EVENTS_TOPIC));
            while (!closed) {
                for (ConsumerRecord<String, String> event : events.poll(Duration.ofMillis(500))) {
                    System.out.println("<<< event from " + EVENTS_TOPIC + " (key " + event.key() + ")\n" + pretty(event.value()));
                }
            }
        } catch (WakeupException stopped) {
            // close() asked the consumer to stop
        }
    }

    private String pretty(String value) {
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(json.readTree(value));
        } catch (JsonProcessingException | RuntimeException notJson) {
            return value;
        }
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    @Override
    public void close() {
        closed = true;
        KafkaConsumer<String, String> events = consumer;
        if (events != null) {
            events.wakeup();
        }
        try {
            eventPrinter.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
