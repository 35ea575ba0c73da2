package dev.dropletworker.simulator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The accepted bearer tokens and the labels that stand for them in accounting and the request
 * log: {@code token-1}, {@code token-2}, ... in configuration order. With no token configured,
 * any bearer token is accepted and labelled by the first 8 hex digits of its SHA-256. A token
 * itself is never reported.
 */
final class BearerTokens {

    private final Map<String, String> configured;
    private final ConcurrentHashMap<String, String> hashed = new ConcurrentHashMap<>();

    BearerTokens(List<String> tokens) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String token : tokens) {
            labels.putIfAbsent(token, "token-" + (labels.size() + 1));
        }
        this.configured = Map.copyOf(labels);
    }

    /** The label of the token in an {@code Authorization} header, or null if it is not accepted. */
    String label(String authorization) {
        if (authorization == null || authorization.length() < 8
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = authorization.substring(7).trim();
        if (token.isEmpty()) {
            return null;
        }
        if (!configured.isEmpty()) {
            return configured.get(token);
        }
        return hashed.computeIfAbsent(token, BearerTokens::sha256Prefix);
    }

    private static String sha256Prefix(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
