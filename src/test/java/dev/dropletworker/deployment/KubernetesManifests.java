package dev.dropletworker.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Every file under {@code k8s/}, parsed: the Kubernetes kinds with fabric8's model classes (a
 * misspelled field lands in their additional properties, where the cross-check finds it), KEDA's
 * ScaledObject and the kustomizations as plain YAML, since the model has no types for them.
 * {@link #copy()} gives an independent copy to break on purpose.
 */
final class KubernetesManifests {

    static final Path DIR = Path.of("k8s");
    static final String SECRET_EXAMPLE = "secret.example.yaml";
    static final String SCALED_OBJECT = "scaledobject.yaml";
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();

    /** By path relative to {@code k8s/}; ScaledObject, ServiceMonitor and PrometheusRule come as generic resources. */
    final Map<String, HasMetadata> resources;
    final JsonNode scaledObject;
    /** By directory relative to {@code k8s/} ("" for k8s itself). */
    final Map<String, JsonNode> kustomizations;
    /** Every YAML file there, relative to {@code k8s/}. */
    final List<String> files;

    private KubernetesManifests(Map<String, HasMetadata> resources, JsonNode scaledObject,
            Map<String, JsonNode> kustomizations, List<String> files) {
        this.resources = resources;
        this.scaledObject = scaledObject;
        this.kustomizations = kustomizations;
        this.files = files;
    }

    static KubernetesManifests read(Path dir) throws IOException {
        Map<String, HasMetadata> resources = new LinkedHashMap<>();
        Map<String, JsonNode> kustomizations = new LinkedHashMap<>();
        List<String> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : walk.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                String name = dir.relativize(file).toString();
                files.add(name);
                if (file.getFileName().toString().equals("kustomization.yaml")) {
                    Path parent = dir.relativize(file.getParent());
                    kustomizations.put(parent.toString(), YAML.readTree(file.toFile()));
                    continue;
                }
                try (InputStream in = Files.newInputStream(file)) {
                    resources.put(name, single(name, KUBERNETES.unmarshal(in)));
                }
            }
        }
        return new KubernetesManifests(resources, YAML.readTree(dir.resolve(SCALED_OBJECT).toFile()), kustomizations,
                files);
    }

    private static HasMetadata single(String name, Object parsed) {
        if (parsed instanceof HasMetadata resource) {
            return resource;
        }
        throw new IllegalStateException(name + " should hold one Kubernetes resource, not " + parsed);
    }

    /** A deep copy, through YAML, to change without touching the original. */
    KubernetesManifests copy() {
        Map<String, HasMetadata> copies = new LinkedHashMap<>();
        resources.forEach((name, resource) -> copies.put(name, single(name,
                KUBERNETES.unmarshal(new ByteArrayInputStream(KUBERNETES.asYaml(resource).getBytes(StandardCharsets.UTF_8))))));
        Map<String, JsonNode> kustomizationCopies = new LinkedHashMap<>();
        kustomizations.forEach((dir, k) -> kustomizationCopies.put(dir, k.deepCopy()));
        return new KubernetesManifests(copies, scaledObject.deepCopy(), kustomizationCopies, new ArrayList<>(files));
    }

    Deployment deployment() {
        return only(Deployment.class);
    }

    ConfigMap configMap() {
        return only(ConfigMap.class);
    }

    Service service() {
        return only(Service.class);
    }

    NetworkPolicy networkPolicy() {
        return only(NetworkPolicy.class);
    }

    PodDisruptionBudget podDisruptionBudget() {
        return only(PodDisruptionBudget.class);
    }

    Secret secretExample() {
        return (Secret) resources.get(SECRET_EXAMPLE);
    }

    /** A generic resource (a kind the model has no class for) by its kind, e.g. {@code ServiceMonitor}. */
    JsonNode generic(String kind) {
        return resources.values().stream().filter(r -> kind.equals(r.getKind())).findFirst()
                .map(r -> {
                    try {
                        return YAML.readTree(KUBERNETES.asYaml(r));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }).orElse(null);
    }

    private <T extends HasMetadata> T only(Class<T> type) {
        List<T> found = resources.values().stream().filter(type::isInstance).map(type::cast).toList();
        if (found.size() != 1) {
            throw new IllegalStateException("expected one " + type.getSimpleName() + " in k8s/, found " + found.size());
        }
        return found.get(0);
    }
}
