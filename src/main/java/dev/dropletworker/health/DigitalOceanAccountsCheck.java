package dev.dropletworker.health;

import dev.dropletworker.digitalocean.DigitalOceanAccounts;
import jakarta.enterprise.context.ApplicationScoped;
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

    public DigitalOceanAccountsCheck(DigitalOceanAccounts accounts) {
        this.accounts = accounts;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("digitalocean-accounts")
                .status(accounts.isConfigured(DigitalOceanAccounts.DEFAULT))
                .withData("accounts", String.join(",", accounts.configured()))
                .build();
    }
}
