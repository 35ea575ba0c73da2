package dev.dropletworker.digitalocean;

/**
 * An error answer of the DigitalOcean API: the HTTP status, and the body's {@code id},
 * {@code message} and {@code request_id} (falling back to the {@code x-request-id} header).
 */
public record ApiError(int httpStatus, String id, String message, String requestId) {

    /**
     * The API serialises Droplet actions: a second one while the first runs is a 422 saying the
     * Droplet "already has a pending event", and a bulk (tag) request touching a busy Droplet one
     * saying "there are currently blocking events processing for one or more of the droplets".
     * Either means "later", not "failed".
     */
    public boolean isDropletBusy() {
        if (httpStatus != 422 || message == null) {
            return false;
        }
        String text = message.toLowerCase();
        return text.contains("pending event") || text.contains("blocking event");
    }

    public boolean isTooManyRequests() {
        return httpStatus == 429;
    }

    /** Worth retrying later: rate limited, a busy Droplet, or a server-side failure (not 501). */
    public boolean isTransient() {
        return isTooManyRequests() || isDropletBusy() || (httpStatus >= 500 && httpStatus != 501);
    }
}
