package dev.dropletworker.api;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The configured API keys, held as SHA-256 digests only. A presented key is hashed and compared
 * with every digest in constant time, so neither the key nor a timing difference reveals which
 * configured key came close. API keys are long random strings: one fast hash is what protects
 * them (a slow password hash would cost every request tens of milliseconds for nothing).
 */
@ApplicationScoped
class ApiKeys {

    private static final Logger LOG = Logger.getLogger(ApiKeys.class);

    /** A configured key: its name (the principal) and role; never the key. */
    record Holder(String name, Role role) {
    }

    private record Entry(byte[] digest, Holder holder) {
    }

    private final List<Entry> entries = new ArrayList<>();

    ApiKeys(ApiConfig config) {
        for (Map.Entry<String, ApiConfig.Key> key : config.keys().entrySet()) {
            String hex = key.getValue().hash().strip().toLowerCase(Locale.ROOT);
            if (!hex.matches("[0-9a-f]{64}")) {
                // Named, never quoted: the value might be a key pasted where its hash belongs.
                LOG.errorf("API key '%s' is ignored: its hash must be the key's SHA-256 in 64 hex digits",
                        key.getKey());
                continue;
            }
            entries.add(new Entry(HexFormat.of().parseHex(hex), new Holder(key.getKey(), key.getValue().role())));
        }
        if (entries.isEmpty()) {
            LOG.info("no operator API key is configured (worker.api.keys); the API takes OIDC tokens only, if enabled");
        }
    }

    /** Who holds {@code presented}, if it is a configured key. */
    Optional<Holder> holderOf(String presented) {
        byte[] digest = sha256(presented);
        Holder found = null;
        for (Entry entry : entries) {
            // Every entry is compared, found or not, so the time taken says nothing about which matched.
            if (MessageDigest.isEqual(entry.digest, digest) && found == null) {
                found = entry.holder;
            }
        }
        return Optional.ofNullable(found);
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
