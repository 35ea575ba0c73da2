package dev.dropletworker.event;

import dev.dropletworker.digitalocean.ApiError;

/**
 * Why the worker could not get a job done, as the {@code failed} event reports it.
 *
 * @param reason {@code api_error} (a permanent API answer), {@code retries_exhausted} or {@code tracking_timeout}
 */
public record Failure(String reason, Integer httpStatus, String id, String message, String requestId) {

    public static final String API_ERROR = "api_error";
    public static final String RETRIES_EXHAUSTED = "retries_exhausted";
    public static final String TRACKING_TIMEOUT = "tracking_timeout";

    public static Failure of(String reason, ApiError error) {
        return new Failure(reason, error.httpStatus(), error.id(), error.message(), error.requestId());
    }

    public static Failure of(String reason, String message) {
        return new Failure(reason, null, null, message, null);
    }
}
