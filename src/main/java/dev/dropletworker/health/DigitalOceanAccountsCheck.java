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
 * account would fail. Names the configured accounts, never a token.
 */
@Readiness
@ApplicationScoped
public class DigitalOceanAccountsCheck implements HealthCheck {

    private final DigitalOceanAccounts accounts;
    private final DigitalOceanConfig config;

    public DigitalOceanAccountsCheck(DigitalOceanAccounts accounts, DigitalOceanConfig config) {
        this.accounts = accounts;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("digitalocean-accounts")
                .status(accounts.isConfigured(DigitalOceanAccounts.DEFAULT))
                .withData("accounts", String.join(",", accountNames()))
                .build();
    }

    private List<String> accountNames() {
        List<String> names = new ArrayList<>(config.accounts().keySet());
        names.add(0, DigitalOceanAccounts.DEFAULT);
        return names.stream().distinct().filter(accounts::isConfigured).toList();
    }
}
