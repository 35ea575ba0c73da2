package dev.dropletworker.health;

import dev.dropletworker.budget.BudgetLeft;
import dev.dropletworker.digitalocean.DigitalOcean;
import dev.dropletworker.digitalocean.DigitalOceanAccounts;
import dev.dropletworker.lifecycle.RoleLoop;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Each configured account's rate budget as every pod shares it: requests left in the minute and
 * the hour window, and how long a 429 still pauses the account. Read every refresh interval
 * (never on the scrape thread), one query per account.
 */
@ApplicationScoped
public class BudgetGauges {

    private final DigitalOcean api;
    private final DigitalOceanAccounts accounts;
    private final MetricsConfig config;
    private final MeterRegistry registry;
    private final Map<String, AtomicReference<BudgetLeft>> byAccount = new ConcurrentHashMap<>();
    private RoleLoop loop;

    public BudgetGauges(DigitalOcean api, DigitalOceanAccounts accounts, MetricsConfig config, MeterRegistry registry) {
        this.api = api;
        this.accounts = accounts;
        this.config = config;
        this.registry = registry;
    }

    void start(@Observes StartupEvent event) {
        loop = new RoleLoop("budget-metrics", config.backlogRefresh(), this::refresh).start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (loop != null) {
            loop.close();
        }
    }

    /** @return 0 always: one refresh per interval */
    int refresh() {
        for (String account : accounts.configured()) {
            BudgetLeft left = api.budgetLeft(account);
            byAccount.computeIfAbsent(account, this::register).set(left);
        }
        return 0;
    }

    private AtomicReference<BudgetLeft> register(String account) {
        AtomicReference<BudgetLeft> left = new AtomicReference<>();
        Gauge.builder("dropletworker.budget.remaining", left, l -> l.get().minute())
                .tags("account", account, "window", "minute")
                .description("Requests left in the account's per-minute bucket, across all pods").register(registry);
        Gauge.builder("dropletworker.budget.remaining", left, l -> l.get().hour())
                .tags("account", account, "window", "hour")
                .description("Requests left in the account's per-hour bucket, across all pods").register(registry);
        Gauge.builder("dropletworker.budget.paused", left, l -> l.get().pausedFor().toMillis() / 1000.0)
                .tag("account", account).baseUnit("seconds")
                .description("How long a 429's retry-after still pauses the account's requests (0: not paused)")
                .register(registry);
        return left;
    }
}
