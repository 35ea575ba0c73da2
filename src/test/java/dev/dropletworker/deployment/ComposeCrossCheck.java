package dev.dropletworker.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cross-checks {@code docker-compose.yml} (and the Dockerfiles it builds) against the service and
 * {@code k8s/}: the worker's variables are ones it reads, its ports and health check are the
 * service's, its dependencies are healthy before it starts and are reached at the addresses it is
 * given, the topics it consumes are created with the partitions the ScaledObject counts on, and
 * its image is the one the Deployment runs.
 */
final class ComposeCrossCheck {

    static final Path FILE = Path.of("docker-compose.yml");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{[A-Z0-9_]+:-([^}]*)}");
    private static final Pattern CREATE_TOPIC = Pattern.compile("^\\s*create\\s+(\\S+)\\s+(\\d+)\\s*$", Pattern.MULTILINE);

    private final JsonNode compose;
    private final ServiceFacts service;
    private final KubernetesManifests k8s;
    private final ToIntFunction<String> simulatorStatus;
    private final List<String> problems = new ArrayList<>();

    private ComposeCrossCheck(JsonNode compose, ServiceFacts service, KubernetesManifests k8s,
            ToIntFunction<String> simulatorStatus) {
        this.compose = compose;
        this.service = service;
        this.k8s = k8s;
        this.simulatorStatus = simulatorStatus;
    }

    /** @param simulatorStatus the status a running simulator answers for a path */
    static List<String> problems(JsonNode compose, ServiceFacts service, KubernetesManifests k8s,
            ToIntFunction<String> simulatorStatus) {
        ComposeCrossCheck check = new ComposeCrossCheck(compose, service, k8s, simulatorStatus);
        check.run();
        return check.problems;
    }

    static JsonNode read() {
        try {
            return KubernetesManifests.YAML.readTree(FILE.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void run() {
        JsonNode services = compose.path("services");
        for (String name : List.of("kafka", "topics", "postgres", "simulator", "worker")) {
            if (!services.has(name)) {
                problem("no %s service", name);
            }
        }
        if (!problems.isEmpty()) {
            return;
        }
        JsonNode worker = services.path("worker");
        Map<String, String> env = environment(worker);
        env.keySet().forEach(name -> {
            if (!service.reads(name)) {
                problem("worker: %s is not an environment variable the service reads", name);
            }
        });
        images(services);
        ports(worker);
        healthCheck(worker);
        dependencies(services, worker);
        addresses(services, env);
        topics(services.path("topics"));
        dockerfiles();
    }

    private void images(JsonNode services) {
        String deployed = k8s.deployment().getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
        expect("worker: image", deployed, services.path("worker").path("image").asText());
        for (String name : List.of("worker", "simulator")) {
            String dockerfile = services.path(name).path("build").path("dockerfile").asText();
            if (dockerfile.isEmpty() || !Files.isRegularFile(Path.of(dockerfile))) {
                problem("%s: build dockerfile '%s' does not exist", name, dockerfile);
            }
        }
    }

    private void ports(JsonNode worker) {
        Set<Integer> published = containerPorts(worker);
        for (int port : List.of(service.httpPort, service.managementPort)) {
            if (!published.contains(port)) {
                problem("worker: container port %d is not published (ports %s)", port, published);
            }
        }
    }

    /** The health check asks the management port for a path the service serves. */
    private void healthCheck(JsonNode worker) {
        Matcher url = Pattern.compile("http://[^:/\\s]+:(\\d+)(/\\S*)").matcher(text(worker.path("healthcheck").path("test")));
        if (!url.find()) {
            problem("worker: the health check requests no URL");
            return;
        }
        if (Integer.parseInt(url.group(1)) != service.managementPort) {
            problem("worker: the health check asks port %s, not the management port %d", url.group(1), service.managementPort);
        }
        String path = url.group(2);
        if (service.managementStatus(path) != 200) {
            problem("worker: the health check path %s is not served on the management interface", path);
        }
    }

    private void dependencies(JsonNode services, JsonNode worker) {
        JsonNode dependsOn = worker.path("depends_on");
        Map<String, String> wanted = Map.of("kafka", "service_healthy", "postgres", "service_healthy",
                "topics", "service_completed_successfully", "simulator", "service_healthy");
        wanted.forEach((name, condition) -> expect("worker: depends_on " + name + " condition", condition,
                dependsOn.path(name).path("condition").asText(null)));
        dependsOn.fields().forEachRemaining(d -> {
            if ("service_healthy".equals(d.getValue().path("condition").asText())
                    && services.path(d.getKey()).path("healthcheck").isMissingNode()) {
                problem("worker: waits for %s to be healthy, but it has no health check", d.getKey());
            }
        });
        boolean simulatorOptional = services.path("simulator").path("profiles").toString().contains("simulator");
        if (simulatorOptional && dependsOn.path("simulator").path("required").asBoolean(true)) {
            problem("worker: the simulator runs only in its profile, so depends_on simulator needs required: false");
        }
    }

    /** The worker reaches its dependencies where they listen, with the credentials they have. */
    private void addresses(JsonNode services, Map<String, String> env) {
        String bootstrap = env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "");
        String kafkaHost = bootstrap.substring(0, Math.max(0, bootstrap.indexOf(':')));
        if (!services.has(kafkaHost)
                || !services.path(kafkaHost).path("environment").path("KAFKA_ADVERTISED_LISTENERS").asText().contains(bootstrap)) {
            problem("worker: KAFKA_BOOTSTRAP_SERVERS %s is not a listener the %s service advertises", bootstrap, kafkaHost);
        }
        URI database = URI.create(env.getOrDefault("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:none://none/none").substring(5));
        JsonNode postgres = services.path(database.getHost()).path("environment");
        expect("worker: the database", postgres.path("POSTGRES_DB").asText(null), database.getPath().substring(1));
        expect("worker: QUARKUS_DATASOURCE_USERNAME", postgres.path("POSTGRES_USER").asText(null),
                env.get("QUARKUS_DATASOURCE_USERNAME"));
        expect("worker: QUARKUS_DATASOURCE_PASSWORD", postgres.path("POSTGRES_PASSWORD").asText(null),
                env.get("QUARKUS_DATASOURCE_PASSWORD"));

        URI api = URI.create(env.getOrDefault("DIGITALOCEAN_API_URL", ""));
        JsonNode simulator = services.path(api.getHost() == null ? "" : api.getHost());
        if (simulator.isMissingNode() || !containerPorts(simulator).contains(api.getPort())) {
            problem("worker: DIGITALOCEAN_API_URL %s by default is not the simulator service's port", api);
        }
        List<String> command = new ArrayList<>();
        simulator.path("command").forEach(c -> command.add(c.asText()));
        int token = command.indexOf("--token");
        if (token < 0 || !command.get(token + 1).equals(env.get("DIGITALOCEAN_TOKEN"))) {
            problem("worker: DIGITALOCEAN_TOKEN %s by default is not a token the simulator accepts (%s)",
                    env.get("DIGITALOCEAN_TOKEN"), command);
        }
        Matcher health = Pattern.compile("http://[^/\\s]+(/\\S*)").matcher(text(simulator.path("healthcheck").path("test")));
        if (!health.find() || simulatorStatus.applyAsInt(health.group(1)) != 200) {
            problem("simulator: the health check path is not one the simulator serves");
        }
    }

    /** The topics the service consumes and writes, the commands topic with a partition per pod the ScaledObject may run. */
    private void topics(JsonNode topics) {
        Map<String, Integer> created = new HashMap<>();
        Matcher create = CREATE_TOPIC.matcher(text(topics.path("command")));
        while (create.find()) {
            created.put(create.group(1), Integer.parseInt(create.group(2)));
        }
        expect("topics: created", new HashSet<>(List.of(service.commandsTopic, service.eventsTopic, service.deadLetterTopic)),
                created.keySet());
        int maxReplicas = k8s.scaledObject.path("spec").path("maxReplicaCount").asInt();
        if (!Objects.equals(created.get(service.commandsTopic), maxReplicas)) {
            problem("topics: %s gets %s partitions, but the ScaledObject runs up to %d pods (one per partition)",
                    service.commandsTopic, created.get(service.commandsTopic), maxReplicas);
        }
    }

    /** The worker's image exposes both ports and leaves the heap to the Deployment's JAVA_MAX_MEM_RATIO. */
    private void dockerfiles() {
        try {
            String worker = Files.readString(Path.of("src", "main", "docker", "Dockerfile.jvm"));
            Matcher expose = Pattern.compile("(?m)^EXPOSE (.*)$").matcher(worker);
            Set<String> exposed = expose.find() ? Set.of(expose.group(1).trim().split("\\s+")) : Set.of();
            for (int port : List.of(service.httpPort, service.managementPort)) {
                if (!exposed.contains(Integer.toString(port))) {
                    problem("Dockerfile.jvm: EXPOSE %s lacks %d", exposed, port);
                }
            }
            for (String heap : List.of("-Xmx", "MaxRAMPercentage", "JAVA_MAX_MEM_RATIO")) {
                if (worker.contains(heap)) {
                    problem("Dockerfile.jvm: sizes the heap (%s); the Deployment's JAVA_MAX_MEM_RATIO does, once", heap);
                }
            }
        } catch (IOException e) {
            problem("Dockerfile.jvm: %s", e);
        }
    }

    /** The container side of a service's published ports ({@code "host:container"}). */
    private static Set<Integer> containerPorts(JsonNode service) {
        Set<Integer> ports = new HashSet<>();
        service.path("ports").forEach(p -> ports.add(Integer.parseInt(p.asText().substring(p.asText().lastIndexOf(':') + 1))));
        return ports;
    }

    /** A string, or a list's items one per line (a command or health check written either way). */
    private static String text(JsonNode node) {
        if (!node.isArray()) {
            return node.asText();
        }
        List<String> items = new ArrayList<>();
        node.forEach(item -> items.add(item.asText()));
        return String.join("\n", items);
    }

    /** The service's environment, with a {@code ${NAME:-default}} taken at its default. */
    private static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new HashMap<>();
        service.path("environment").fields().forEachRemaining(e -> {
            Matcher variable = VARIABLE.matcher(e.getValue().asText());
            env.put(e.getKey(), variable.matches() ? variable.group(1) : e.getValue().asText());
        });
        return env;
    }

    private void expect(String what, Object expected, Object actual) {
        if (!Objects.equals(expected, actual)) {
            problem("%s is %s, expected %s", what, actual, expected);
        }
    }

    private void problem(String format, Object... args) {
        problems.add(String.format(format, args));
    }
}
