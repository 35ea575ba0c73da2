package dev.dropletworker.health;

import dev.dropletworker.digitalocean.DigitalOceanAccounts;
import dev.dropletworker.digitalocean.DigitalOceanConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only with a usable token for the default account: without one every command naming no
 * account would fail. Names the configured accounts and the paused ones, never a token.
 */
@Readiness
@ApplicationScoped
public class DigitalOceanAccountsCheck implements HealthCheck {

    private final DigitalOceanAccounts accounts;
    private final DigitalOceanConfig config;
    private final PausedAccounts paused;

    public DigitalOceanAccountsCheck(DigitalOceanAccounts accounts, DigitalOceanConfig config, PausedAccounts paused) {
        this.accounts = accounts;
        this.config = config;
        this.paused = paused;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("digitalocean-accounts")
                .status(accounts.isConfigured(DigitalOceanAccounts.DEFAULT))
                .withData("accounts", String.join(",", accountNames()))
                // An operator's pause, shown but not held against the pod: it is ready all the same.
                .withData("paused", String.join(",", paused.names()))
                .build();
    }

    private List<String> accountNames() {
        List<String> names = new ArrayList<>(config.accounts().keySet());
        names.add(0, DigitalOceanAccounts.DEFAULT);
        return names.stream().distinct().filter(accounts::isConfigured).toList();
    }
}
