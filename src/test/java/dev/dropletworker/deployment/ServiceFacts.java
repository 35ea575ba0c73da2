package dev.dropletworker.deployment;

import dev.dropletworker.budget.BudgetConfig;
import dev.dropletworker.digitalocean.DigitalOceanConfig;
import dev.dropletworker.dispatch.DispatchConfig;
import dev.dropletworker.event.RelayConfig;
import dev.dropletworker.health.MetricsConfig;
import dev.dropletworker.lifecycle.ShutdownConfig;
import dev.dropletworker.tracking.TrackingConfig;
import io.smallrye.config.ConfigMappings;
import io.smallrye.config.SmallRyeConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * What the running service is, as the deployment files must describe it: its ports, topics and
 * consumer group, the environment variables it reads, and which paths its management interface
 * serves. Read from the service's own configuration in the test run, not restated by hand.
 */
final class ServiceFacts {

    /** The service's configuration mappings, whose optional properties have no default to list them by. */
    private static final List<Class<?>> MAPPINGS = List.of(DigitalOceanConfig.class, DispatchConfig.class,
            TrackingConfig.class, BudgetConfig.class, RelayConfig.class, MetricsConfig.class, ShutdownConfig.class);

    /**
     * Read outside the configuration: the pod's name (job leases name it), and what the image's
     * start script ({@code run-java.sh} of ubi9/openjdk-17-runtime) turns into JVM options.
     */
    private static final Set<String> READ_BY_PROCESS_AND_IMAGE = Set.of("HOSTNAME", "JAVA_MAX_MEM_RATIO",
            "JAVA_INITIAL_MEM_RATIO", "JAVA_OPTS", "JAVA_OPTS_APPEND", "JAVA_DIAGNOSTICS", "GC_CONTAINER_OPTIONS",
            "GC_MAX_METASPACE_SIZE");

    final int httpPort;
    final int managementPort;
    final String commandsTopic;
    final String eventsTopic;
    final String deadLetterTopic;
    final String consumerGroup;
    final Duration shutdownTimeout;
    private final Set<String> environmentNames;
    private final List<Pattern> environmentPatterns;
    private final URI managementRoot;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ServiceFacts(SmallRyeConfig config, URI managementRoot) {
        this.httpPort = Integer.parseInt(configured(config, "quarkus.http.port"));
        this.managementPort = Integer.parseInt(configured(config, "quarkus.management.port"));
        this.commandsTopic = config.getValue("worker.topics.commands", String.class);
        this.eventsTopic = config.getValue("worker.topics.events", String.class);
        this.deadLetterTopic = config.getValue("worker.topics.dead-letter", String.class);
        this.consumerGroup = config.getValue("mp.messaging.incoming.droplet-commands.group.id", String.class);
        this.shutdownTimeout = config.getValue("worker.shutdown.timeout", Duration.class);
        this.managementRoot = managementRoot;
        Set<String> names = new HashSet<>();
        List<Pattern> patterns = new ArrayList<>();
        config.getPropertyNames().forEach(name -> names.add(environmentName(name)));
        for (Class<?> mapping : MAPPINGS) {
            for (String name : ConfigMappings.getProperties(ConfigMappings.ConfigClass.configClass(mapping)).keySet()) {
                if (name.contains("*")) {
                    // A map key (an account name, say) stands for any run of letters, digits and _.
                    patterns.add(Pattern.compile(Arrays.stream(name.split("\\*", -1))
                            .map(part -> Pattern.quote(environmentName(part))).collect(Collectors.joining("[A-Z0-9_]+"))));
                } else {
                    names.add(environmentName(name));
                }
            }
        }
        names.addAll(READ_BY_PROCESS_AND_IMAGE);
        this.environmentNames = names;
        this.environmentPatterns = patterns;
    }

    /**
     * A port as configured, not the free one this test run listens on: Quarkus records the ports it
     * actually bound in a source of runtime values, above everything configured.
     */
    private static String configured(SmallRyeConfig config, String property) {
        for (ConfigSource source : config.getConfigSources()) {
            if (!source.getName().equals("ValueRegistryConfigSource") && source.getValue(property) != null) {
                return source.getValue(property);
            }
        }
        throw new IllegalStateException(property + " is not configured");
    }

    /**
     * @param managementRoot any URL of the test run's management interface; paths are resolved against it
     */
    static ServiceFacts of(SmallRyeConfig config, URI managementRoot) {
        return new ServiceFacts(config, managementRoot);
    }

    /** The environment variable a property is read from: upper case, every other character {@code _}. */
    static String environmentName(String property) {
        StringBuilder name = new StringBuilder();
        for (char c : property.toCharArray()) {
            name.append(Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
        }
        return name.toString();
    }

    /** True when setting this variable changes something in the service (a typo changes nothing). */
    boolean reads(String environmentVariable) {
        return environmentNames.contains(environmentVariable)
                || environmentPatterns.stream().anyMatch(p -> p.matcher(environmentVariable).matches());
    }

    /** The HTTP status the management interface answers for this path, e.g. {@code /q/health/ready}. */
    int managementStatus(String path) {
        try {
            return http.send(HttpRequest.newBuilder(managementRoot.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
