package dev.dropletworker.api;

import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeIn;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/** The OpenAPI document's head: what the API is and the two ways to authenticate to it. */
@OpenAPIDefinition(
        info = @Info(title = "Droplet Worker operator API", version = "v1",
                description = "Read jobs, retry failed or errored ones, cancel ones not yet sent, pause accounts. "
                        + "Authenticate with an API key in X-API-Key (role read or operate), or an OIDC bearer "
                        + "token where OIDC is configured. Read calls need read; retry, cancel, pause, resume and "
                        + "publish need operate."),
        components = @Components(securitySchemes = {
                @SecurityScheme(securitySchemeName = OperatorApiDefinition.API_KEY, type = SecuritySchemeType.APIKEY,
                        apiKeyName = ApiKeyMechanism.HEADER, in = SecuritySchemeIn.HEADER,
                        description = "A configured API key (worker.api.keys.<name>.hash holds its SHA-256)"),
                @SecurityScheme(securitySchemeName = OperatorApiDefinition.BEARER, type = SecuritySchemeType.HTTP,
                        scheme = "bearer", bearerFormat = "JWT",
                        description = "An OIDC access token, where quarkus.oidc is configured")
        }))
final class OperatorApiDefinition {

    static final String API_KEY = "ApiKey";
    static final String BEARER = "OidcBearer";
    static final String UNAUTHORIZED = "No credentials, or a key or token the worker does not accept";
    static final String FORBIDDEN = "The credential's role (read) does not allow this operation (operate)";

    private OperatorApiDefinition() {
    }
}
