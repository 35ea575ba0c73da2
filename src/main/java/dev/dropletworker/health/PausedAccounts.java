package dev.dropletworker.health;

import dev.dropletworker.digitalocean.DigitalOceanAccounts;
import dev.dropletworker.digitalocean.DigitalOceanConfig;
import dev.dropletworker.job.AccountPauseChanged;
import dev.dropletworker.job.AccountPauses;
import dev.dropletworker.lifecycle.RoleLoop;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Which accounts operators paused, as metrics and readiness show it: a gauge per configured
 * account ({@code dropletworker_account_paused}, 1 while paused) and the readiness data. Read from
 * the shared table every refresh interval, and at once on this pod when a pause here commits. A
 * paused account is an operator's decision, not a sick pod: readiness stays UP.
 */
@ApplicationScoped
public class PausedAccounts {

    private static final Logger LOG = Logger.getLogger(PausedAccounts.class);

    private final AccountPauses pauses;
    private final MetricsConfig config;
    private final Set<String> paused = ConcurrentHashMap.newKeySet();
    /** Counts this pod's own changes, so a refresh read before one of them committed does not undo it. */
    private final AtomicLong changes = new AtomicLong();
    private RoleLoop loop;

    public PausedAccounts(AccountPauses pauses, MetricsConfig config, DigitalOceanConfig digitalOcean,
            DigitalOceanAccounts accounts, MeterRegistry registry) {
        this.pauses = pauses;
        this.config = config;
        Set<String> names = new TreeSet<>(digitalOcean.accounts().keySet());
        names.add(DigitalOceanAccounts.DEFAULT);
        for (String account : names) {
            if (accounts.isConfigured(account)) {
                Gauge.builder("dropletworker.account.paused", paused, p -> p.contains(account) ? 1 : 0)
                        .tag("account", account)
                        .description("1 while an operator has paused the account's dispatch").register(registry);
            }
        }
    }

    void start(@Observes StartupEvent event) {
        loop = new RoleLoop("paused-accounts", config.backlogRefresh(), this::refresh).start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (loop != null) {
            loop.close();
        }
    }

    void changed(@Observes(during = TransactionPhase.AFTER_SUCCESS) AccountPauseChanged change) {
        changes.incrementAndGet();
        if (change.paused()) {
            paused.add(change.account());
        } else {
            paused.remove(change.account());
        }
    }

    /** @return 0 always: one refresh per interval */
    int refresh() {
        try {
            long before = changes.get();
            Set<String> now = pauses.all().keySet();
            if (changes.get() != before) {
                return 0; // a change on this pod came in meanwhile: the next refresh reads it committed
            }
            paused.retainAll(now);
            paused.addAll(now);
        } catch (RuntimeException e) {
            // The database is down: readiness says so through its own check; keep what was known.
            LOG.debugf("paused accounts not refreshed: %s", e.getClass().getName());
        }
        return 0;
    }

    /** The paused accounts as last read, sorted. */
    public Set<String> names() {
        return new TreeSet<>(paused);
    }
}
