package dev.dropletworker.tools.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
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

/**
 * The local run's demo ({@code ./mvnw -Plocal -Ddemo}): a mixed batch of commands sent the way a
 * producer would, a live progress bar while the worker answers them, then a table of outcomes and
 * answer times per command type. Everything it reports comes from Kafka (events and dead letters),
 * as a producer sees it.
 */
final class DemoBatch {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every command is answered well within this; a demo that takes longer says what is missing. */
    private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(4);
    private static final int BAR_WIDTH = 40;

    /** One record sent, and what came back for it. */
    private static final class Sent {
        final String kind;
        final String key;
        final String commandId;
        final byte[] value;
        Instant sentAt;
        Instant answeredAt;
        String outcome;

        Sent(String kind, String key, String commandId, String value) {
            this.kind = kind;
            this.key = key;
            this.commandId = commandId;
            this.value = value.getBytes(StandardCharsets.UTF_8);
        }

        boolean answered() {
            return outcome != null;
        }

        double seconds() {
            return Duration.between(sentAt, answeredAt).toMillis() / 1000.0;
        }
    }

    private final String bootstrapServers;
    private final PrintStream out;
    private final List<Sent> batch = new ArrayList<>();

    DemoBatch(String bootstrapServers, PrintStream out) {
        this.bootstrapServers = bootstrapServers;
        this.out = out;
        String run = UUID.randomUUID().toString().substring(0, 6);
        String id = "demo-" + run + "-";
        add("droplet.create (one)", null, id + "create-one", "{\"command_id\":\"" + id + "create-one\","
                + "\"type\":\"droplet.create\",\"droplet\":{\"name\":\"demo-" + run + "-web\",\"region\":\"ams3\","
                + "\"size\":\"s-1vcpu-1gb\",\"image\":\"ubuntu-24-04-x64\",\"tags\":[\"demo\"]}}");
        add("droplet.create (three)", null, id + "create-three", "{\"command_id\":\"" + id + "create-three\","
                + "\"type\":\"droplet.create\",\"droplet\":{\"names\":[\"demo-" + run + "-worker-1\",\"demo-" + run
                + "-worker-2\",\"demo-" + run + "-worker-3\"],\"region\":\"nyc3\",\"size\":\"s-2vcpu-4gb\","
                + "\"image\":\"ubuntu-24-04-x64\",\"tags\":[\"demo\",\"batch\"]}}");
        action(id, "power-off-123", 123, "{\"type\":\"power_off\"}");
        action(id, "power-on-123", 123, "{\"type\":\"power_on\"}");
        action(id, "reboot-124", 124, "{\"type\":\"reboot\"}");
        action(id, "snapshot-124", 124, "{\"type\":\"snapshot\",\"name\":\"demo-" + run + "\"}");
        // DigitalOcean resizes only a powered-off Droplet: shut it down, resize, power it on, in this order.
        action(id, "shutdown-125", 125, "{\"type\":\"shutdown\"}");
        action(id, "resize-125", 125, "{\"type\":\"resize\",\"size\":\"s-2vcpu-4gb\",\"disk\":false}");
        action(id, "power-on-125", 125, "{\"type\":\"power_on\"}");
        // A Droplet that does not exist: the job fails with DigitalOcean's 404 (retry it from the dashboard).
        action(id, "reboot-missing", 99_999, "{\"type\":\"reboot\"}");
        add("droplet.tag_action", null, id + "tag-power-cycle", "{\"command_id\":\"" + id + "tag-power-cycle\","
                + "\"type\":\"droplet.tag_action\",\"tag_name\":\"web\",\"action\":{\"type\":\"power_cycle\"}}");
        add("invalid command", null, id + "invalid", "{\"command_id\":\"" + id + "invalid\",\"type\":\"droplet.action\","
                + "\"droplet_id\":-4,\"action\":{\"type\":\"explode\"}}");
        add("unreadable record", id + "unreadable", null, "this is not JSON {" + id);
    }

    private void action(String id, String name, long dropletId, String action) {
        add("droplet.action", Long.toString(dropletId), id + name, "{\"command_id\":\"" + id + name
                + "\",\"type\":\"droplet.action\",\"droplet_id\":" + dropletId + ",\"action\":" + action + "}");
    }

    private void add(String kind, String key, String commandId, String value) {
        batch.add(new Sent(kind, key != null ? key : commandId, commandId, value));
    }

    /** Sends the batch, shows progress until every record is answered, prints the summary. */
    boolean run() throws IOException {
        String group = "local-demo-" + UUID.randomUUID();
        try (KafkaConsumer<String, byte[]> answers = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()))) {
            answers.subscribe(List.of(CommandConsole.EVENTS_TOPIC, CommandConsole.DEAD_LETTER_TOPIC));
            // Joined and positioned before anything is sent, so that no answer can be missed.
            while (answers.assignment().size() < 2) {
                answers.poll(Duration.ofMillis(200));
            }
            answers.assignment().forEach(answers::position);
            out.println("Demo: sending " + batch.size() + " records to " + CommandConsole.COMMANDS_TOPIC
                    + " (creates, actions, a tag action, an invalid command, an unreadable record)...");
            for (Sent sent : batch) {
                sent.sentAt = Instant.now();
                producer.send(new ProducerRecord<>(CommandConsole.COMMANDS_TOPIC, sent.key, sent.value));
            }
            producer.flush();
            Instant deadline = Instant.now().plus(GIVE_UP_AFTER);
            boolean interactive = System.console() != null;
            int shown = -1;
            while (batch.stream().anyMatch(s -> !s.answered()) && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, byte[]> record : answers.poll(Duration.ofMillis(250))) {
                    match(record);
                }
                int done = (int) batch.stream().filter(Sent::answered).count();
                if (interactive || done != shown) {
                    progress(done, interactive);
                    shown = done;
                }
            }
            out.println();
        }
        summary();
        return batch.stream().allMatch(Sent::answered);
    }

    private void match(ConsumerRecord<String, byte[]> record) {
        Instant now = Instant.now();
        if (record.topic().equals(CommandConsole.DEAD_LETTER_TOPIC)) {
            for (Sent sent : batch) {
                if (sent.commandId == null && !sent.answered() && java.util.Arrays.equals(sent.value, record.value())) {
                    sent.outcome = "dead-lettered";
                    sent.answeredAt = now;
                }
            }
            return;
        }
        JsonNode event;
        try {
            event = JSON.readTree(record.value());
        } catch (IOException notJson) {
            return;
        }
        String subject = event.path("subject").asText();
        for (Sent sent : batch) {
            if (subject.equals(sent.commandId) && !sent.answered()) {
                sent.outcome = event.path("data").path("outcome").asText();
                sent.answeredAt = now;
            }
        }
    }

    private void progress(int done, boolean interactive) {
        int total = batch.size();
        int filled = done * BAR_WIDTH / total;
        Map<String, Integer> outcomes = new LinkedHashMap<>();
        batch.stream().filter(Sent::answered).forEach(s -> outcomes.merge(s.outcome, 1, Integer::sum));
        String line = String.format(" [%s%s] %2d/%d answered  %s", "#".repeat(filled), ".".repeat(BAR_WIDTH - filled),
                done, total, outcomes.isEmpty() ? "" : outcomes.toString().replace("=", " ").replaceAll("[{}]", ""));
        if (interactive) {
            out.print("\r" + line + "   ");
            out.flush();
        } else {
            out.println(line);
        }
    }

    private void summary() {
        List<String> outcomes = List.of("completed", "errored", "failed", "rejected", "dead-lettered");
        Map<String, List<Sent>> byKind = new LinkedHashMap<>();
        batch.forEach(s -> byKind.computeIfAbsent(s.kind, k -> new ArrayList<>()).add(s));
        String line = "-".repeat(112);
        out.println(line);
        out.printf(" %-24s %5s %10s %8s %7s %9s %14s %10s   %s%n", "command type", "sent", "completed", "errored",
                "failed", "rejected", "dead-lettered", "unanswered", "answered after (s) min / median / max");
        out.println(line);
        for (Map.Entry<String, List<Sent>> kind : byKind.entrySet()) {
            List<Sent> sent = kind.getValue();
            Object[] counts = outcomes.stream().map(o -> cell(sent.stream().filter(s -> o.equals(s.outcome)).count()))
                    .toArray();
            List<Double> times = sent.stream().filter(Sent::answered).map(Sent::seconds).sorted().toList();
            String timing = times.isEmpty() ? "" : String.format(Locale.ROOT, "%.1f / %.1f / %.1f", times.get(0),
                    times.get(times.size() / 2), times.get(times.size() - 1));
            out.printf(" %-24s %5d %10s %8s %7s %9s %14s %10s   %s%n", kind.getKey(), sent.size(), counts[0],
                    counts[1], counts[2], counts[3], counts[4], cell(sent.stream().filter(s -> !s.answered()).count()),
                    timing);
        }
        out.println(line);
        long unanswered = batch.stream().filter(s -> !s.answered()).count();
        if (unanswered == 0) {
            out.println(" Every record was answered: each command with its completion event, the unreadable record"
                    + " on " + CommandConsole.DEAD_LETTER_TOPIC + ".");
        } else {
            out.println(" " + unanswered + " records were not answered within " + GIVE_UP_AFTER.toMinutes()
                    + " minutes: see the worker log and the dashboard.");
        }
    }

    private static String cell(long n) {
        return n == 0 ? "-" : Long.toString(n);
    }
}
