package dev.dropletworker.api;

import io.quarkus.security.identity.SecurityIdentity;

/** Who made a request, as a job's history and the logs name them: never the credential itself. */
final class Caller {

    private Caller() {
    }

    static String of(SecurityIdentity identity) {
        String kind = identity.getAttribute(ApiKeyIdentityProvider.KIND);
        return (kind != null ? kind : "token") + " '" + identity.getPrincipal().getName() + "'";
    }
}
