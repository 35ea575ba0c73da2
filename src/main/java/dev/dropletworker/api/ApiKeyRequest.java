package dev.dropletworker.api;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/**
 * An API key presented in {@code X-API-Key}. Its own request type, so that the OIDC provider (which
 * takes bearer tokens) and the key provider never compete for one credential.
 */
final class ApiKeyRequest extends BaseAuthenticationRequest {

    private final String key;

    ApiKeyRequest(String key) {
        this.key = key;
    }

    String key() {
        return key;
    }

    @Override
    public String toString() {
        return "ApiKeyRequest[key hidden]";
    }
}
