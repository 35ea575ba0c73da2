package dev.dropletworker.digitalocean;

/**
 * An error answer of the DigitalOcean API: the HTTP status, and the body's {@code id},
 * {@code message} and {@code request_id} (falling back to the {@code x-request-id} header).
 */
public record ApiError(int httpStatus, String id, String message, String requestId) {

    /** The API serialises Droplet actions; a second one while the first runs is a 422 with this text. */
    public boolean isPendingEvent() {
        return httpStatus == 422 && message != null && message.toLowerCase().contains("pending event");
    }

    public boolean isTooManyRequests() {
        return httpStatus == 429;
    }

    /** Worth retrying later: rate limited, a pending event, or a server-side failure (not 501). */
    public boolean isTransient() {
        return isTooManyRequests() || isPendingEvent() || (httpStatus >= 500 && httpStatus != 501);
    }
}
