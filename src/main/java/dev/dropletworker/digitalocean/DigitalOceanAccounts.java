package dev.dropletworker.digitalocean;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** Maps a command's {@code account} to its token. The token leaves this class only as a header. */
@ApplicationScoped
public class DigitalOceanAccounts {

    public static final String DEFAULT = "default";

    private final DigitalOceanConfig config;

    public DigitalOceanAccounts(DigitalOceanConfig config) {
        this.config = config;
    }

    public boolean isConfigured(String account) {
        return tokenOf(account).isPresent();
    }

    Optional<String> tokenOf(String account) {
        if (config.accounts().containsKey(account)) {
            return Optional.of(config.accounts().get(account).token()).filter(t -> !t.isBlank());
        }
        return DEFAULT.equals(account) ? config.token().filter(t -> !t.isBlank()) : Optional.empty();
    }
}
