package dev.dropletworker.health;

import dev.dropletworker.digitalocean.DigitalOceanAccounts;
import dev.dropletworker.digitalocean.DigitalOceanConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only with a token for the default account: without one every command would fail. Names
 * the configured accounts and the API URL, never a token.
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
                .withData("api_url", config.apiUrl())
                .withData("accounts", String.join(",", accountNames()))
                .build();
    }

    private java.util.List<String> accountNames() {
        java.util.List<String> names = new java.util.ArrayList<>(config.accounts().keySet());
        if (config.token().isPresent()) {
            names.add(0, DigitalOceanAccounts.DEFAULT);
        }
        return names;
    }
}
