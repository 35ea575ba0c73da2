package dev.dropletworker.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import io.quarkus.runtime.configuration.DurationConverter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Cross-checks {@code k8s/} against the service: what the manifests promise must be what the
 * service does (its ports, probe paths, environment variables, topic and consumer group), and the
 * manifests must agree with each other (selectors, port names, Secret keys, the ScaledObject's
 * target, the NetworkPolicy's ports). Returns the problems found, each naming where it is.
 */
final class ManifestCrossCheck {

    /** What the Kafka clients' close may take after the shutdown timeout (see ShutdownConfig). */
    private static final Duration KAFKA_CLOSE = Duration.ofSeconds(15);

    private final KubernetesManifests k8s;
    private final ServiceFacts service;
    private final List<String> problems = new ArrayList<>();

    private ManifestCrossCheck(KubernetesManifests k8s, ServiceFacts service) {
        this.k8s = k8s;
        this.service = service;
    }

    static List<String> problems(KubernetesManifests k8s, ServiceFacts service) {
        ManifestCrossCheck check = new ManifestCrossCheck(k8s, service);
        check.run();
        return check.problems;
    }

    private void run() {
        k8s.resources.forEach((file, resource) -> unknownFields(file, resource, resource, new IdentityHashMap<>()));
        Deployment deployment = k8s.deployment();
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        selects("Deployment selector", deployment.getSpec().getSelector(), podLabels);
        selects("PodDisruptionBudget selector", k8s.podDisruptionBudget().getSpec().getSelector(), podLabels);
        selects("NetworkPolicy podSelector", k8s.networkPolicy().getSpec().getPodSelector(), podLabels);
        Service svc = k8s.service();
        if (!podLabels.entrySet().containsAll(svc.getSpec().getSelector().entrySet())) {
            problem("service.yaml: selector %s does not match the pod labels %s", svc.getSpec().getSelector(), podLabels);
        }

        List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
        if (containers.size() != 1) {
            problem("deployment.yaml: expected the worker's one container, found %d", containers.size());
            return;
        }
        Container worker = containers.get(0);
        containerPorts(worker);
        probes(worker);
        environment(worker);
        heap(worker);
        scrapeAnnotations(deployment.getSpec().getTemplate().getMetadata().getAnnotations());
        gracePeriod(deployment);
        servicePorts(svc, worker);
        networkPolicy(k8s.networkPolicy(), worker);
        scaledObject(deployment);
        serviceMonitor(svc);
        kustomizations();
    }

    private void containerPorts(Container worker) {
        if (portNamed(worker, service.httpPort) == null) {
            problem("deployment.yaml: no container port %d (the service's HTTP port)", service.httpPort);
        }
        if (portNamed(worker, service.managementPort) == null) {
            problem("deployment.yaml: no container port %d (the service's management port, health and metrics)",
                    service.managementPort);
        }
    }

    private void probes(Container worker) {
        Map<String, Probe> probes = new LinkedHashMap<>();
        probes.put("startupProbe", worker.getStartupProbe());
        probes.put("readinessProbe", worker.getReadinessProbe());
        probes.put("livenessProbe", worker.getLivenessProbe());
        probes.forEach((name, probe) -> {
            if (probe == null || probe.getHttpGet() == null) {
                problem("deployment.yaml: %s is missing or not an HTTP GET", name);
                return;
            }
            Integer port = containerPort(worker, probe.getHttpGet().getPort());
            if (port == null) {
                problem("deployment.yaml: %s port %s is not a port of the container", name, text(probe.getHttpGet().getPort()));
            } else if (port != service.managementPort) {
                problem("deployment.yaml: %s port %s is %d, not the management port %d where health is served", name,
                        text(probe.getHttpGet().getPort()), port, service.managementPort);
            }
            String path = probe.getHttpGet().getPath();
            int status = service.managementStatus(path);
            if (status != 200) {
                problem("deployment.yaml: %s path %s answers %d on the management interface", name, path, status);
            }
        });
    }

    /** Every variable the pod gets, from env, the ConfigMap and the Secret, must be one the service reads. */
    private void environment(Container worker) {
        ConfigMap configMap = k8s.configMap();
        Secret secret = k8s.secretExample();
        for (EnvFromSource from : nullSafe(worker.getEnvFrom())) {
            if (from.getConfigMapRef() != null && !from.getConfigMapRef().getName().equals(configMap.getMetadata().getName())) {
                problem("deployment.yaml: envFrom names ConfigMap %s, but configmap.yaml is %s",
                        from.getConfigMapRef().getName(), configMap.getMetadata().getName());
            }
            if (from.getSecretRef() != null && !from.getSecretRef().getName().equals(secret.getMetadata().getName())) {
                problem("deployment.yaml: envFrom names Secret %s, but %s is %s", from.getSecretRef().getName(),
                        KubernetesManifests.SECRET_EXAMPLE, secret.getMetadata().getName());
            }
        }
        for (EnvVar env : nullSafe(worker.getEnv())) {
            read("deployment.yaml env", env.getName());
            if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
                var ref = env.getValueFrom().getSecretKeyRef();
                if (!ref.getName().equals(secret.getMetadata().getName()) || !secretKeys(secret).contains(ref.getKey())) {
                    problem("deployment.yaml: %s comes from Secret %s key %s, which %s does not have", env.getName(),
                            ref.getName(), ref.getKey(), KubernetesManifests.SECRET_EXAMPLE);
                }
            }
        }
        configMap.getData().keySet().forEach(name -> read("configmap.yaml", name));
        for (String key : secretKeys(secret)) {
            read(KubernetesManifests.SECRET_EXAMPLE, key);
            String value = secret.getStringData() == null ? null : secret.getStringData().get(key);
            if (value != null && value.startsWith("dop_v1_")) {
                problem("%s: %s looks like a real DigitalOcean token; examples hold placeholders",
                        KubernetesManifests.SECRET_EXAMPLE, key);
            }
        }
    }

    private void read(String where, String variable) {
        if (!service.reads(variable)) {
            problem("%s: %s is not an environment variable the service reads", where, variable);
        }
    }

    /** The heap is a share of the memory limit, set in one place. */
    private void heap(Container worker) {
        Map<String, Quantity> limits = worker.getResources() == null ? null : worker.getResources().getLimits();
        if (limits == null || !limits.containsKey("memory")) {
            problem("deployment.yaml: no memory limit, which the heap is sized from");
        }
        long ratioSettings = nullSafe(worker.getEnv()).stream().filter(e -> e.getName().equals("JAVA_MAX_MEM_RATIO")).count()
                + (k8s.configMap().getData().containsKey("JAVA_MAX_MEM_RATIO") ? 1 : 0);
        if (ratioSettings != 1) {
            problem("JAVA_MAX_MEM_RATIO is set %d times in deployment.yaml and configmap.yaml; set it once", ratioSettings);
        }
        List<String> options = new ArrayList<>();
        nullSafe(worker.getEnv()).stream().filter(e -> e.getName().startsWith("JAVA_OPTS")).map(EnvVar::getValue)
                .forEach(options::add);
        k8s.configMap().getData().forEach((name, value) -> {
            if (name.startsWith("JAVA_OPTS")) {
                options.add(value);
            }
        });
        for (String option : options) {
            if (option != null && (option.contains("-Xmx") || option.contains("MaxRAMPercentage"))) {
                problem("a JAVA_OPTS variable sizes the heap (%s) besides JAVA_MAX_MEM_RATIO", option);
            }
        }
    }

    /** Kubernetes kills the pod after the grace period: the shutdown timeout and Kafka's close must fit in it. */
    private void gracePeriod(Deployment deployment) {
        String configured = k8s.configMap().getData().get("WORKER_SHUTDOWN_TIMEOUT");
        Duration timeout = configured == null ? service.shutdownTimeout : DurationConverter.parseDuration(configured);
        Long grace = deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        long needed = timeout.plus(KAFKA_CLOSE).toSeconds();
        if (grace == null || grace < needed) {
            problem("deployment.yaml: terminationGracePeriodSeconds %s is less than the shutdown timeout %s plus %d s for "
                    + "the Kafka clients' close (%d s)", grace, timeout, KAFKA_CLOSE.toSeconds(), needed);
        }
    }

    private void scrapeAnnotations(Map<String, String> annotations) {
        if (annotations == null || !"true".equals(annotations.get("prometheus.io/scrape"))) {
            return;
        }
        if (!String.valueOf(service.managementPort).equals(annotations.get("prometheus.io/port"))) {
            problem("deployment.yaml: prometheus.io/port is %s, not the management port %d",
                    annotations.get("prometheus.io/port"), service.managementPort);
        }
        String path = annotations.get("prometheus.io/path");
        if (service.managementStatus(path) != 200) {
            problem("deployment.yaml: prometheus.io/path %s is not served on the management interface", path);
        }
    }

    private void servicePorts(Service svc, Container worker) {
        Set<Integer> targets = new HashSet<>();
        for (ServicePort port : svc.getSpec().getPorts()) {
            Integer target = containerPort(worker, port.getTargetPort() == null ? new IntOrString(port.getPort()) : port.getTargetPort());
            if (target == null) {
                problem("service.yaml: port %s targets %s, which is not a port of the container", port.getName(),
                        text(port.getTargetPort()));
            } else {
                targets.add(target);
            }
        }
        if (!targets.contains(service.httpPort) || !targets.contains(service.managementPort)) {
            problem("service.yaml: ports reach %s; expected the HTTP port %d and the management port %d", targets,
                    service.httpPort, service.managementPort);
        }
    }

    /** In: every container port. Out: Kafka's, PostgreSQL's and DigitalOcean's ports, and DNS. */
    private void networkPolicy(NetworkPolicy policy, Container worker) {
        List<String> types = nullSafe(policy.getSpec().getPolicyTypes());
        if (!types.contains("Ingress") || !types.contains("Egress")) {
            problem("networkpolicy.yaml: policyTypes %s should hold Ingress and Egress", types);
        }
        Set<Integer> ingress = new HashSet<>();
        policy.getSpec().getIngress().forEach(rule -> nullSafe(rule.getPorts()).forEach(p -> {
            Integer port = containerPort(worker, p.getPort());
            if (port == null) {
                problem("networkpolicy.yaml: ingress port %s is not a port of the container", text(p.getPort()));
            } else {
                ingress.add(port);
            }
        }));
        for (ContainerPort port : worker.getPorts()) {
            if (!ingress.contains(port.getContainerPort())) {
                problem("networkpolicy.yaml: ingress does not admit container port %s (%d)", port.getName(),
                        port.getContainerPort());
            }
        }
        Set<String> egress = new HashSet<>();
        policy.getSpec().getEgress().forEach(rule -> nullSafe(rule.getPorts()).forEach(p -> egress.add(portKey(p))));
        Map<String, String> config = k8s.configMap().getData();
        for (String broker : config.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "").split(",")) {
            egressTo(egress, "Kafka " + broker, "TCP/" + broker.substring(broker.lastIndexOf(':') + 1));
        }
        URI database = URI.create(config.getOrDefault("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://x:5432/x").substring(5));
        egressTo(egress, "PostgreSQL " + database.getHost(), "TCP/" + (database.getPort() < 0 ? 5432 : database.getPort()));
        URI api = URI.create(config.getOrDefault("DIGITALOCEAN_API_URL", "https://api.digitalocean.com"));
        int apiPort = api.getPort() > 0 ? api.getPort() : "https".equals(api.getScheme()) ? 443 : 80;
        egressTo(egress, "DigitalOcean " + api.getHost(), "TCP/" + apiPort);
        egressTo(egress, "DNS", "UDP/53");
    }

    private void egressTo(Set<String> egress, String what, String port) {
        if (!egress.contains(port)) {
            problem("networkpolicy.yaml: egress does not allow %s (%s); allowed %s", what, port, egress);
        }
    }

    private static String portKey(NetworkPolicyPort port) {
        return (port.getProtocol() == null ? "TCP" : port.getProtocol()) + "/" + text(port.getPort());
    }

    /** KEDA scales the Deployment on the lag of the topic and group the worker consumes. */
    private void scaledObject(Deployment deployment) {
        JsonNode spec = k8s.scaledObject.path("spec");
        String target = spec.path("scaleTargetRef").path("name").asText();
        if (!target.equals(deployment.getMetadata().getName())
                || !spec.path("scaleTargetRef").path("kind").asText("Deployment").equals("Deployment")) {
            problem("scaledobject.yaml: scaleTargetRef %s is not the Deployment %s", spec.path("scaleTargetRef"),
                    deployment.getMetadata().getName());
        }
        if (deployment.getSpec().getReplicas() != null) {
            problem("deployment.yaml: replicas is set, but the ScaledObject owns the replica count");
        }
        Map<String, String> config = k8s.configMap().getData();
        String topic = config.getOrDefault("WORKER_TOPICS_COMMANDS", service.commandsTopic);
        List<JsonNode> kafka = new ArrayList<>();
        spec.path("triggers").forEach(t -> {
            if ("kafka".equals(t.path("type").asText())) {
                kafka.add(t.path("metadata"));
            }
        });
        if (kafka.size() != 1) {
            problem("scaledobject.yaml: expected one kafka trigger, found %d", kafka.size());
            return;
        }
        JsonNode trigger = kafka.get(0);
        expect("scaledobject.yaml: trigger topic", topic, trigger.path("topic").asText());
        expect("scaledobject.yaml: trigger consumerGroup", service.consumerGroup, trigger.path("consumerGroup").asText());
        expect("scaledobject.yaml: trigger bootstrapServers", config.get("KAFKA_BOOTSTRAP_SERVERS"),
                trigger.path("bootstrapServers").asText());
        int min = spec.path("minReplicaCount").asInt(0);
        int max = spec.path("maxReplicaCount").asInt(100);
        IntOrString minAvailable = k8s.podDisruptionBudget().getSpec().getMinAvailable();
        if (minAvailable != null && minAvailable.getIntVal() != null && min <= minAvailable.getIntVal()) {
            problem("scaledobject.yaml: minReplicaCount %d leaves no pod to evict under the PodDisruptionBudget's minAvailable %d",
                    min, minAvailable.getIntVal());
        }
        if (max < min) {
            problem("scaledobject.yaml: maxReplicaCount %d is below minReplicaCount %d", max, min);
        }
    }

    private void serviceMonitor(Service svc) {
        JsonNode monitor = k8s.generic("ServiceMonitor");
        if (monitor == null) {
            return;
        }
        Set<String> names = new HashSet<>();
        svc.getSpec().getPorts().forEach(p -> names.add(p.getName()));
        for (JsonNode endpoint : monitor.path("spec").path("endpoints")) {
            if (!names.contains(endpoint.path("port").asText())) {
                problem("ServiceMonitor: endpoint port %s is not a port of the Service (%s)", endpoint.path("port").asText(), names);
            }
            if (service.managementStatus(endpoint.path("path").asText("/metrics")) != 200) {
                problem("ServiceMonitor: path %s is not served on the management interface", endpoint.path("path").asText());
            }
        }
    }

    /** Every file is in a kustomization (the Secret example on purpose not), and every listed file exists. */
    private void kustomizations() {
        Set<String> listed = new HashSet<>();
        k8s.kustomizations.forEach((dir, kustomization) -> {
            for (String field : List.of("resources", "components")) {
                kustomization.path(field).forEach(r -> {
                    String file = dir.isEmpty() ? r.asText() : dir + "/" + r.asText();
                    listed.add(file);
                    if (!k8s.files.contains(file) && !k8s.kustomizations.containsKey(file)) {
                        problem("%s/kustomization.yaml: %s %s does not exist", dir.isEmpty() ? "k8s" : dir, field, r.asText());
                    }
                });
            }
        });
        for (String file : k8s.files) {
            if (!file.endsWith("kustomization.yaml") && !file.equals(KubernetesManifests.SECRET_EXAMPLE)
                    && !listed.contains(file)) {
                problem("%s is in no kustomization: kubectl apply -k would leave it out", file);
            }
        }
    }

    /** Fields the model does not know (a typo such as {@code redinessProbe}) end up here. */
    private void unknownFields(String file, Object node, HasMetadata root, Map<Object, Boolean> seen) {
        if (node == null || seen.put(node, Boolean.TRUE) != null) {
            return;
        }
        if (node instanceof Collection<?> items) {
            items.forEach(item -> unknownFields(file, item, root, seen));
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.values().forEach(value -> unknownFields(file, value, root, seen));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")
                || node.getClass().getSimpleName().equals("GenericKubernetesResource")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problem("%s: unknown field(s) %s in %s", file, extra.keySet(), node.getClass().getSimpleName());
                }
            } else {
                unknownFields(file, value, root, seen);
            }
        }
    }

    private void selects(String what, LabelSelector selector, Map<String, String> labels) {
        Map<String, String> wanted = selector == null || selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        if (wanted.isEmpty() || !labels.entrySet().containsAll(wanted.entrySet())) {
            problem("%s %s does not select the pod labels %s", what, wanted, labels);
        }
    }

    private Integer containerPort(Container container, IntOrString port) {
        if (port == null) {
            return null;
        }
        if (port.getIntVal() != null) {
            return container.getPorts().stream().map(ContainerPort::getContainerPort)
                    .filter(p -> p.equals(port.getIntVal())).findFirst().orElse(null);
        }
        return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort).findFirst().orElse(null);
    }

    private static ContainerPort portNamed(Container container, int number) {
        return container.getPorts().stream().filter(p -> p.getContainerPort() == number).findFirst().orElse(null);
    }

    private static Set<String> secretKeys(Secret secret) {
        Set<String> keys = new HashSet<>();
        if (secret.getStringData() != null) {
            keys.addAll(secret.getStringData().keySet());
        }
        if (secret.getData() != null) {
            keys.addAll(secret.getData().keySet());
        }
        return keys;
    }

    private void expect(String what, String expected, String actual) {
        if (!Objects.equals(expected, actual)) {
            problem("%s is %s, expected %s", what, actual, expected);
        }
    }

    private static String text(IntOrString value) {
        return value == null ? "none" : value.getIntVal() != null ? value.getIntVal().toString() : value.getStrVal();
    }

    private static <T> List<T> nullSafe(List<T> list) {
        return list == null ? List.of() : list;
    }

    private void problem(String format, Object... args) {
        problems.add(String.format(format, args));
    }
}
