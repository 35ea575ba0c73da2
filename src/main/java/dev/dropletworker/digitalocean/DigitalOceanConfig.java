package dev.dropletworker.digitalocean;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;
import java.util.Optional;

/** Where DigitalOcean is and which tokens the worker may use. */
@ConfigMapping(prefix = "digitalocean")
public interface DigitalOceanConfig {

    /** Base URL of the API ({@code DIGITALOCEAN_API_URL}); the REST clients read it too. */
    @WithDefault("https://api.digitalocean.com")
    String apiUrl();

    /** Token of the {@code default} account ({@code DIGITALOCEAN_TOKEN}). */
    Optional<String> token();

    /** Further accounts a command may name in {@code account}, each with its own token and rate budget. */
    Map<String, Account> accounts();

    interface Account {
        /** Personal access token, {@code dop_v1_...}. */
        String token();
    }
}
