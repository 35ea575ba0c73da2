package dev.dropletworker.digitalocean;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Maps a command's {@code account} to its token. The token leaves this class only as a header. */
@ApplicationScoped
public class DigitalOceanAccounts {

    private static final Logger LOG = Logger.getLogger(DigitalOceanAccounts.class);

    public static final String DEFAULT = "default";

    private final DigitalOceanConfig config;

    public DigitalOceanAccounts(DigitalOceanConfig config) {
        this.config = config;
    }

    /** The accounts with a usable token, {@code default} first if it has one. */
    public List<String> configured() {
        List<String> names = new ArrayList<>();
        names.add(DEFAULT);
        names.addAll(config.accounts().keySet());
        return names.stream().distinct().filter(this::isConfigured).toList();
    }

    public boolean isConfigured(String account) {
        return tokenOf(account).isPresent();
    }

    Optional<String> tokenOf(String account) {
        Optional<String> token = config.accounts().containsKey(account)
                ? Optional.of(config.accounts().get(account).token())
                : DEFAULT.equals(account) ? config.token() : Optional.empty();
        return token.map(String::strip).filter(t -> usable(account, t));
    }

    /**
     * A token read from a file often ends with a newline (stripped above); any other whitespace or
     * control character would make the HTTP layer reject the header with an error that quotes it.
     */
    private static boolean usable(String account, String token) {
        if (token.isEmpty()) {
            return false;
        }
        if (token.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            LOG.errorf("the DigitalOcean token of account '%s' contains whitespace or control characters; "
                    + "the account is treated as not configured", account);
            return false;
        }
        return true;
    }
}
