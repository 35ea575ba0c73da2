package dev.dropletworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropletworker.budget.BudgetConfig;
import dev.dropletworker.budget.BudgetExhausted;
import dev.dropletworker.budget.RateLimitSnapshot;
import dev.dropletworker.digitalocean.DigitalOcean;
import dev.dropletworker.tools.ground.CommandBus;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** The operations metrics as a Prometheus scrape shows them, and the alert examples that use them. */
@QuarkusTest
class MetricsEndToEndTest extends WorkerEndToEnd {

    private static final Path ALERTS = Path.of("k8s", "monitoring", "prometheus-rules.yaml");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    @Inject
    DigitalOcean api;

    @Inject
    BudgetConfig budgetConfig;

    @ConfigProperty(name = "digitalocean.accounts.team-b.token")
    String teamBToken;

    @Test
    void jobDurationsActionsInFlightAndTheBudgetLeftAreExported() {
        long droplet = simulator.seedDroplet("web-metrics");
        String commandId = CommandBus.newCommandId("metrics");
        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "reboot"));
        bus.awaitEvent(commandId, EVENT_TIMEOUT);

        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<Sample> scrape = scrape();
            Sample count = one(scrape, "dropletworker_jobs_duration_seconds_count",
                    Map.of("type", "droplet.action", "outcome", "completed"));
            assertTrue(count.value() >= 1, count.toString());
            assertFalse(select(scrape, "dropletworker_jobs_duration_seconds_bucket",
                    Map.of("type", "droplet.action", "outcome", "completed", "le", "3600.0")).isEmpty(),
                    "a histogram with buckets up to hours-long actions");
            Sample minute = one(scrape, "dropletworker_budget_remaining", Map.of("account", "default", "window", "minute"));
            Sample hour = one(scrape, "dropletworker_budget_remaining", Map.of("account", "default", "window", "hour"));
            assertTrue(minute.value() >= 0 && minute.value() <= budgetConfig.perMinute(), minute.toString());
            assertTrue(hour.value() > 0 && hour.value() < budgetConfig.perHour(), "the requests just made count: " + hour);
            one(scrape, "dropletworker_budget_paused_seconds", Map.of("account", "default"));
            one(scrape, "dropletworker_actions_in_flight", Map.of("account", "default"));
        });
    }

    /** A 429's pause turns requests away; how long they are told to wait is recorded by account. */
    @Test
    void timeWaitedForTheBudgetIsRecordedByAccount() {
        budget.observe(teamBToken, 429, new RateLimitSnapshot(5000, 0, null, Duration.ofSeconds(2)));
        assertTrue(api.budgetLeft("team-b").pausedFor().toMillis() > 0, "the account is paused");
        try {
            api.getAction("team-b", 1);
        } catch (BudgetExhausted expected) {
            // the request never left: exactly what the metric is about
        }
        Sample waits = one(scrape(), "dropletworker_budget_wait_seconds_count", Map.of("account", "team-b"));
        assertTrue(waits.value() >= 1, waits.toString());
        Sample longest = one(scrape(), "dropletworker_budget_wait_seconds_max", Map.of("account", "team-b"));
        assertTrue(longest.value() > 0 && longest.value() <= 2.0, longest.toString());
    }

    @Test
    void everyMetricTheAlertExamplesNameIsExported() throws IOException {
        Set<String> named = new TreeSet<>();
        Matcher m = Pattern.compile("dropletworker_[a-z_]+").matcher(Files.readString(ALERTS));
        while (m.find()) {
            named.add(m.group());
        }
        assertTrue(named.size() >= 4, named.toString());
        // Counters appear once counted: one command through makes every series exist.
        long droplet = simulator.seedDroplet("web-alerts");
        String commandId = CommandBus.newCommandId("alerts");
        bus.send(Long.toString(droplet), actionCommand(commandId, droplet, "power_cycle"));
        bus.awaitEvent(commandId, EVENT_TIMEOUT);
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Set<String> exported = new TreeSet<>();
            scrape().forEach(s -> exported.add(s.name()));
            Set<String> missing = new TreeSet<>(named);
            missing.removeAll(exported);
            assertEquals(Set.of(), missing, "metrics the alerts name but the worker does not export");
        });
    }

    record Sample(String name, Map<String, String> labels, double value) {
    }

    private List<Sample> scrape() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(metrics.toString()))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            List<Sample> samples = new ArrayList<>();
            for (String line : response.body().split("\n")) {
                // A sample recorded inside a traced span carries an exemplar after the value: " # {trace_id=...} ..."
                int exemplar = line.indexOf(" # {");
                Matcher sample = SAMPLE.matcher(exemplar < 0 ? line : line.substring(0, exemplar));
                if (line.startsWith("#") || !sample.matches()) {
                    continue;
                }
                Map<String, String> labels = new LinkedHashMap<>();
                Matcher label = LABEL.matcher(sample.group(2) == null ? "" : sample.group(2));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
                samples.add(new Sample(sample.group(1), labels, Double.parseDouble(sample.group(3))));
            }
            return samples;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<Sample> select(List<Sample> scrape, String name, Map<String, String> labels) {
        return scrape.stream().filter(s -> s.name().equals(name))
                .filter(s -> s.labels().entrySet().containsAll(labels.entrySet())).toList();
    }

    private static Sample one(List<Sample> scrape, String name, Map<String, String> labels) {
        List<Sample> found = select(scrape, name, labels);
        assertEquals(1, found.size(), name + labels + " in " + select(scrape, name, Map.of()));
        return found.get(0);
    }
}
