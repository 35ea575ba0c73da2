package dev.dropletworker.tools.benchmark;

import dev.dropletworker.tools.ground.CommandBus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A producer service that offers reboot commands faster than the worker can take them: records
 * are handed to the producer without waiting for each one (it batches them), at a set rate or as
 * fast as it takes them, and acknowledged together at the end. Sending one record at a time and
 * waiting for each measured the sender, not the worker (35 s for 5,000 once).
 */
final class CommandSender implements AutoCloseable {

    /** One command to offer: the Droplet to reboot, keyed by it as a producer would. */
    record Reboot(String commandId, long dropletId) {

        byte[] json() {
            return ("{\"command_id\":\"" + commandId + "\",\"type\":\"droplet.action\",\"droplet_id\":" + dropletId
                    + ",\"action\":{\"type\":\"reboot\"}}").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** When the first record was handed over and when the last was acknowledged. */
    record Offer(int commands, Instant started, Instant acknowledged) {

        double perSecond() {
            double seconds = Duration.between(started, acknowledged).toMillis() / 1000.0;
            return seconds <= 0 ? commands : commands / seconds;
        }
    }

    private final KafkaProducer<String, byte[]> producer;

    CommandSender(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(128L * 1024 * 1024));
        producer = new KafkaProducer<>(p);
    }

    /** Commands for these Droplets, one each in order, with fresh command ids. */
    static List<Reboot> reboots(List<Long> droplets, int count, String prefix) {
        List<Reboot> commands = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            commands.add(new Reboot(CommandBus.newCommandId(prefix), droplets.get(i % droplets.size())));
        }
        return commands;
    }

    /**
     * Offers every command, {@code perSecond} a second (0: as fast as the producer takes them), and
     * returns once Kafka acknowledged them all.
     */
    Offer offer(List<Reboot> commands, int perSecond) {
        List<byte[]> values = commands.stream().map(Reboot::json).toList();
        List<Future<RecordMetadata>> sends = new ArrayList<>(commands.size());
        Instant started = Instant.now();
        long start = System.nanoTime();
        for (int i = 0; i < commands.size(); i++) {
            if (perSecond > 0) {
                long due = start + i * 1_000_000_000L / perSecond;
                long ahead = due - System.nanoTime();
                if (ahead > 0) {
                    LockSupport.parkNanos(ahead);
                }
            }
            Reboot command = commands.get(i);
            sends.add(producer.send(new ProducerRecord<>(CommandBus.COMMANDS, Long.toString(command.dropletId()),
                    values.get(i))));
        }
        producer.flush();
        for (Future<RecordMetadata> send : sends) {
            try {
                send.get(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while offering commands", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("Kafka did not take a command", e);
            }
        }
        return new Offer(commands.size(), started, Instant.now());
    }

    @Override
    public void close() {
        producer.close();
    }
}
