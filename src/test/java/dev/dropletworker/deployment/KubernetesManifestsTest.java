package dev.dropletworker.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.config.SmallRyeConfig;
import java.io.ByteArrayInputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code k8s/} checked offline against the running service: every manifest parses with the
 * Kubernetes model, and the cross-check finds nothing; copies broken on purpose show it would.
 */
@QuarkusTest
class KubernetesManifestsTest {

    @TestHTTPResource(value = "/", management = true)
    URL management;

    private ServiceFacts service;
    private KubernetesManifests manifests;

    @BeforeEach
    void read() throws Exception {
        service = ServiceFacts.of(ConfigProvider.getConfig().unwrap(SmallRyeConfig.class), management.toURI());
        manifests = KubernetesManifests.read(KubernetesManifests.DIR);
    }

    @Test
    void everyManifestParsesWithTheKubernetesModel() {
        Set<String> kinds = manifests.resources.values().stream().map(HasMetadata::getKind).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(List.of("ConfigMap", "Deployment", "NetworkPolicy", "PodDisruptionBudget",
                "PrometheusRule", "ScaledObject", "Secret", "Service", "ServiceMonitor")), kinds);
        assertEquals("keda.sh/v1alpha1", manifests.scaledObject.path("apiVersion").asText());
    }

    @Test
    void theManifestsDescribeTheServiceAsItIs() {
        assertEquals(List.of(), ManifestCrossCheck.problems(manifests, service));
    }

    @Test
    void theServiceReadsWhatItIsConfiguredByAndNothingElse() {
        assertTrue(service.reads("WORKER_DISPATCH_LEASE"));
        assertTrue(service.reads("QUARKUS_DATASOURCE_PASSWORD"));
        assertTrue(service.reads("DIGITALOCEAN_TOKEN"));
        assertTrue(service.reads("DIGITALOCEAN_ACCOUNTS_TEAMB_TOKEN"), "a further account's token");
        assertTrue(service.reads("HOSTNAME"));
        assertFalse(service.reads("WORKER_DISPATCH_LEASEE"));
        assertFalse(service.reads("DIGITALOCEAN_ACCOUNTS_TEAMB_TOKN"));
    }

    @Test
    void aProbeOnTheWrongPortFailsTheCrossCheck() {
        KubernetesManifests broken = manifests.copy();
        worker(broken).getReadinessProbe().getHttpGet().setPort(new IntOrString(8081));
        worker(broken).getLivenessProbe().getHttpGet().setPort(new IntOrString("http"));

        List<String> problems = ManifestCrossCheck.problems(broken, service);

        assertEquals(List.of(
                "deployment.yaml: readinessProbe port 8081 is not a port of the container",
                "deployment.yaml: livenessProbe port http is 8080, not the management port 9000 where health is served"),
                problems);
        assertEquals(List.of(), ManifestCrossCheck.problems(manifests, service), "the original is untouched");
    }

    @Test
    void aProbePathTheServiceDoesNotServeFailsTheCrossCheck() {
        KubernetesManifests broken = manifests.copy();
        worker(broken).getStartupProbe().getHttpGet().setPath("/q/health/start");

        assertEquals(List.of("deployment.yaml: startupProbe path /q/health/start answers 404 on the management interface"),
                ManifestCrossCheck.problems(broken, service));
    }

    @Test
    void anEnvironmentVariableTheServiceDoesNotReadFailsTheCrossCheck() {
        KubernetesManifests broken = manifests.copy();
        worker(broken).getEnv().add(new EnvVar("WORKER_DISPATCH_INTERVALL", "2s", null));
        broken.configMap().getData().put("WORKER_RELAY_INTREVAL", "1s");

        assertEquals(List.of(
                "deployment.yaml env: WORKER_DISPATCH_INTERVALL is not an environment variable the service reads",
                "configmap.yaml: WORKER_RELAY_INTREVAL is not an environment variable the service reads"),
                ManifestCrossCheck.problems(broken, service));
    }

    @Test
    void aScaledObjectOnAnotherTopicOrGroupFailsTheCrossCheck() {
        KubernetesManifests broken = manifests.copy();
        var trigger = (com.fasterxml.jackson.databind.node.ObjectNode) broken.scaledObject.path("spec").path("triggers")
                .get(0).path("metadata");
        trigger.put("topic", "droplet-events").put("consumerGroup", "someone-else");

        assertEquals(List.of(
                "scaledobject.yaml: trigger topic is droplet-events, expected droplet-commands",
                "scaledobject.yaml: trigger consumerGroup is someone-else, expected droplet-worker"),
                ManifestCrossCheck.problems(broken, service));
    }

    @Test
    void aGracePeriodShorterThanTheShutdownFailsTheCrossCheck() {
        KubernetesManifests broken = manifests.copy();
        broken.deployment().getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(30L);

        assertEquals(List.of("deployment.yaml: terminationGracePeriodSeconds 30 is less than the shutdown timeout PT20S "
                + "plus 15 s for the Kafka clients' close (35 s)"), ManifestCrossCheck.problems(broken, service));
    }

    @Test
    void aMisspelledFieldFailsTheCrossCheck() throws Exception {
        String yaml = Files.readString(KubernetesManifests.DIR.resolve("deployment.yaml"))
                .replace("readOnlyRootFilesystem", "readOnlyRootFileSystem");
        KubernetesManifests broken = manifests.copy();
        broken.resources.put("deployment.yaml", (HasMetadata) new KubernetesSerialization()
                .unmarshal(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))));

        List<String> problems = ManifestCrossCheck.problems(broken, service);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("deployment.yaml: unknown field(s) [readOnlyRootFileSystem]"),
                problems.get(0));
    }

    private static Container worker(KubernetesManifests manifests) {
        return manifests.deployment().getSpec().getTemplate().getSpec().getContainers().get(0);
    }
}
