package dev.dropletworker.simulator;

import java.util.List;

/** A request the API answers with an error body; thrown by validation and state checks. */
final class ApiFailure extends RuntimeException {

    /** Exact text that Terraform and the worker match on (packer#1814). */
    static final String PENDING_EVENT = "Droplet already has a pending event.";
    /** DigitalOcean's text when a bulk (tag) request touches a busy Droplet (DigitalOceanPHP/Client#164). */
    static final String BLOCKING_EVENTS = "there are currently blocking events processing for one or more of the droplets";

    final ApiError error;
    /** For a refusal because of running actions: the busy Droplets it touched; otherwise empty. */
    final List<Long> busyDroplets;

    private ApiFailure(ApiError error, String message, List<Long> busyDroplets) {
        super(message, null, false, false);
        this.error = error;
        this.busyDroplets = busyDroplets;
    }

    ApiFailure(ApiError error, String message) {
        this(error, message, List.of());
    }

    static ApiFailure unprocessable(String message) {
        return ApiError.UNPROCESSABLE_ENTITY.failure(message);
    }

    static ApiFailure notFound() {
        return ApiError.NOT_FOUND.failure();
    }

    /** A per-Droplet action on a Droplet whose earlier action has not finished. */
    static ApiFailure pendingEvent(long dropletId) {
        return new ApiFailure(ApiError.UNPROCESSABLE_ENTITY, PENDING_EVENT, List.of(dropletId));
    }

    /** A tag action whose tag includes busy Droplets: refused as a whole, with the bulk wording. */
    static ApiFailure blockingEvents(List<Long> busyDroplets) {
        return new ApiFailure(ApiError.UNPROCESSABLE_ENTITY, BLOCKING_EVENTS, List.copyOf(busyDroplets));
    }

    boolean eventConflict() {
        return !busyDroplets.isEmpty();
    }
}
