package dev.dropletworker.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;

/** Who may use the operator API, and how much one page of it returns. */
@ConfigMapping(prefix = "worker.api")
public interface ApiConfig {

    /**
     * API keys by name ({@code WORKER_API_KEYS_<NAME>_HASH} and {@code _ROLE}). Only the key's
     * SHA-256 is configured, so the configuration, like the logs, never holds a key.
     */
    Map<String, Key> keys();

    interface Key {
        /** The key's SHA-256, 64 hex digits ({@code printf %s "$KEY" | sha256sum}). */
        String hash();

        /** {@code read} (jobs, counts, accounts) or {@code operate} (also retry, cancel, pause, publish). */
        @WithDefault("read")
        Role role();
    }

    /** Jobs per page when a list asks for no {@code limit}. */
    @WithDefault("50")
    int defaultPageSize();

    /** The most jobs one page returns, whatever {@code limit} asks: a page is one indexed query. */
    @WithDefault("200")
    int maxPageSize();
}
