package dev.dropletworker.simulator;

/** A request the API answers with an error body; thrown by validation and state checks. */
final class ApiFailure extends RuntimeException {

    /** Exact text that Terraform and the worker match on (packer#1814). */
    static final String PENDING_EVENT = "Droplet already has a pending event.";

    final ApiError error;
    final boolean lockedDroplet;

    private ApiFailure(ApiError error, String message, boolean lockedDroplet) {
        super(message, null, false, false);
        this.error = error;
        this.lockedDroplet = lockedDroplet;
    }

    ApiFailure(ApiError error, String message) {
        this(error, message, false);
    }

    static ApiFailure unprocessable(String message) {
        return ApiError.UNPROCESSABLE_ENTITY.failure(message);
    }

    static ApiFailure notFound() {
        return ApiError.NOT_FOUND.failure();
    }

    static ApiFailure pendingEvent() {
        return new ApiFailure(ApiError.UNPROCESSABLE_ENTITY, PENDING_EVENT, true);
    }
}
