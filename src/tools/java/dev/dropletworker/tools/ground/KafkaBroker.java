package dev.dropletworker.tools.ground;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real Kafka broker inside this JVM: one KRaft node that is both broker and controller,
 * listening on 127.0.0.1 on free ports, with its log directory in a temp dir deleted on close.
 * With {@code -Dtest.ground=containers} ({@link Ground}) it is Testcontainers' Kafka instead.
 * Topics are created on first use with one partition; {@link #createTopic} makes more.
 * {@link #stop()} and {@link #startAgain()} take it down and bring it back on the same ports with the
 * same data, as a broker restart would; {@link #close()} ends it and deletes its data.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaConfig config;
    private final Path logDir;
    private final KafkaContainer container;
    private final String bootstrapServers;
    private KafkaRaftServer server;
    private boolean closed;

    private KafkaBroker(KafkaConfig config, Path logDir, KafkaContainer container, String bootstrapServers) {
        this.config = config;
        this.logDir = logDir;
        this.container = container;
        this.bootstrapServers = bootstrapServers;
    }

    /** On the ground this JVM was asked for: in this JVM, or in a container. */
    public static KafkaBroker start() {
        return Ground.selected() == Ground.CONTAINERS ? inContainer() : inThisJvm();
    }

    private static KafkaBroker inContainer() {
        KafkaContainer container = new KafkaContainer(Ground.KAFKA_IMAGE);
        try {
            container.start();
        } catch (RuntimeException e) {
            container.stop();
            throw new IllegalStateException("Kafka container did not start", e);
        }
        return new KafkaBroker(null, null, container, container.getBootstrapServers());
    }

    private static KafkaBroker inThisJvm() {
        QuietServerLogs.apply();
        Path logDir = null;
        try {
            logDir = Files.createTempDirectory("kafka-kraft-");
            int brokerPort = freePort();
            int controllerPort = freePort();
            KafkaConfig config = new KafkaConfig(serverProperties(logDir, brokerPort, controllerPort), false);
            format(config, logDir);

            String bootstrap = "127.0.0.1:" + brokerPort;
            KafkaBroker broker = new KafkaBroker(config, logDir, null, bootstrap);
            try {
                broker.startAgain();
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            return broker;
        } catch (IOException | RuntimeException e) {
            TempDirs.deleteQuietly(logDir);
            throw new IllegalStateException("Kafka broker did not start", e);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Starts the broker after {@link #stop()}, on its ports with the data it had (also its first start). */
    public synchronized void startAgain() {
        requireInThisJvm();
        if (server != null) {
            return;
        }
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        awaitReady();
    }

    /** Shuts the broker down as a restart would, keeping its data and ports for {@link #startAgain()}. */
    public synchronized void stop() {
        requireInThisJvm();
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
    }

    /** Sets a topic's config value ({@code null} removes it, back to the broker's default). */
    public void topicConfig(String topic, String key, String value) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        AlterConfigOp op = value == null
                ? new AlterConfigOp(new ConfigEntry(key, ""), AlterConfigOp.OpType.DELETE)
                : new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET);
        try (Admin admin = admin()) {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(op))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Could not set " + key + " of topic " + topic, e);
        }
    }

    /** Creates a topic with the given number of partitions; does nothing if it already exists. */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /** Creates a topic with the given number of partitions and topic configs; nothing if it exists. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Could not create topic " + name, e.getCause());
            }
        } catch (Exception e) {
            throw new IllegalStateException("Could not create topic " + name, e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (container != null) {
            container.stop();
            return;
        }
        try {
            stop();
        } finally {
            TempDirs.deleteQuietly(logDir);
        }
    }

    private void requireInThisJvm() {
        if (container != null) {
            throw new UnsupportedOperationException("a broker in a container is not restarted by the tests");
        }
    }

    private static Map<String, Object> serverProperties(Path logDir, int brokerPort, int controllerPort) {
        Map<String, Object> props = new HashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDir.toString());

        props.put("auto.create.topics.enable", "true");
        props.put("num.partitions", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        // One replica and one partition for internal topics: the defaults (rf 3, 50 partitions)
        // either never become available on one node or make the first consumer group slow.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");

        // Small and short-lived logs; the compaction buffer would otherwise take 128 MiB of heap.
        // A segment must hold the largest record a test topic takes (up to 2 MiB, for hostile input).
        props.put("log.segment.bytes", String.valueOf(16 * 1024 * 1024));
        props.put("log.retention.ms", String.valueOf(Duration.ofHours(1).toMillis()));
        props.put("log.retention.check.interval.ms", "60000");
        props.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        props.put("log.cleaner.threads", "1");

        // Two cores: few threads, quick broker registration.
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        props.put("background.threads", "2");
        props.put("num.recovery.threads.per.data.dir", "1");
        props.put("num.replica.fetchers", "1");
        props.put("broker.heartbeat.interval.ms", "500");
        props.put("broker.session.timeout.ms", "9000");
        return props;
    }

    /** KRaft refuses to start on an unformatted log dir: write meta.properties and bootstrap metadata, as kafka-storage format does. */
    private static void format(KafkaConfig config, Path logDir) {
        try (PrintStream discard = new PrintStream(OutputStream.nullOutputStream())) {
            new Formatter()
                    .setPrintStream(discard)
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(logDir.toString())
                    .addDirectory(logDir.toString())
                    .setUnstableFeatureVersionsEnabled(config.unstableFeatureVersionsEnabled())
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("Could not format Kafka log dir " + logDir, e);
        }
    }

    /** startup() returns before the broker is unfenced; clients see it only once it is in the cluster metadata. */
    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Exception last = null;
        try (Admin admin = admin()) {
            while (System.nanoTime() < deadline) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    last = e;
                }
                sleep(100);
            }
        }
        throw new IllegalStateException("Kafka broker at " + bootstrapServers + " not ready after " + READY_TIMEOUT, last);
    }

    private Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Kafka", e);
        }
    }
}
