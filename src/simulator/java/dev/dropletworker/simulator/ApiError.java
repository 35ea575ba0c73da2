package dev.dropletworker.simulator;

/**
 * The error ids DigitalOcean puts in {@code {"id","message","request_id"}} bodies, with the
 * status each one travels with and the message of the spec's shared responses.
 */
enum ApiError {
    BAD_REQUEST(400, "bad_request", "error parsing request body"),
    UNAUTHORIZED(401, "unauthorized", "Unable to authenticate you."),
    NOT_FOUND(404, "not_found", "The resource you requested could not be found."),
    UNPROCESSABLE_ENTITY(422, "unprocessable_entity", "request payload validation failed"),
    TOO_MANY_REQUESTS(429, "too_many_requests", "API rate limit exceeded."),
    SERVER_ERROR(500, "server_error", "Unexpected server-side error"),
    /** No 503 body is documented; scripted 503s carry the documented 5xx body. */
    SERVICE_UNAVAILABLE(503, "server_error", "Unexpected server-side error");

    final int status;
    final String id;
    final String defaultMessage;

    ApiError(int status, String id, String defaultMessage) {
        this.status = status;
        this.id = id;
        this.defaultMessage = defaultMessage;
    }

    ApiFailure failure() {
        return new ApiFailure(this, defaultMessage);
    }

    ApiFailure failure(String message) {
        return new ApiFailure(this, message);
    }
}
