package dev.dropletworker.api;

import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * An answer other than success, as the API's JSON error body: a code a client can branch on and a
 * message for the operator. Messages never quote a key, a token or a request body.
 */
final class ApiProblem extends RuntimeException {

    private final Response.Status status;
    private final String code;

    private ApiProblem(Response.Status status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    static ApiProblem notFound(String message) {
        return new ApiProblem(Response.Status.NOT_FOUND, "not_found", message);
    }

    static ApiProblem conflict(String message) {
        return new ApiProblem(Response.Status.CONFLICT, "conflict", message);
    }

    static ApiProblem badRequest(String message) {
        return new ApiProblem(Response.Status.BAD_REQUEST, "bad_request", message);
    }

    Response.Status status() {
        return status;
    }

    Body body() {
        return new Body(code, getMessage());
    }

    /** The JSON error body. */
    @Schema(name = "Error", description = "Why a request was not done")
    record Body(
            @Schema(description = "not_found, conflict or bad_request", examples = "conflict") String error,
            @Schema(description = "For the operator, in words", examples = "the job already ended completed")
            String message) {
    }
}
