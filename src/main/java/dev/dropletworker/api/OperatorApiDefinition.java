package dev.dropletworker.api;

/**
 * Names the OpenAPI document uses for the operator API's two ways to authenticate (the schemes are
 * declared on {@link JobsResource}; the document's title and description are in configuration).
 */
final class OperatorApiDefinition {

    static final String API_KEY = "ApiKey";
    static final String BEARER = "OidcBearer";
    static final String UNAUTHORIZED = "No credentials, or a key or token the worker does not accept";
    static final String FORBIDDEN = "The credential's role (read) does not allow this operation (operate)";

    private OperatorApiDefinition() {
    }
}
