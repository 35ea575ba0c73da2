package dev.dropletworker.job;

import dev.dropletworker.digitalocean.ApiError;

/**
 * Why a job could not be done, or the last API error on its way, as the {@code failed} event and
 * the job row report it: the reason, and the API's HTTP status, error id, message and request id
 * when an API answer is the cause. Never a token or a request body.
 *
 * @param reason why the job failed; null for an error that has not (yet) failed the job
 */
public record Failure(Reason reason, Integer httpStatus, String id, String message, String requestId) {

    /** The outcome's cause, as the event's {@code error.reason} names it. */
    public enum Reason {
        /** A permanent API answer (401, 404, a 422 other than a busy Droplet). */
        API_ERROR("api_error"),
        /** Retries or the time allowed for them ran out. */
        RETRIES_EXHAUSTED("retries_exhausted"),
        /** The action did not finish within its tracking timeout. */
        TRACKING_TIMEOUT("tracking_timeout"),
        /** The job's account lost its DigitalOcean token after the command was taken in. */
        ACCOUNT_UNAVAILABLE("account_unavailable");

        private final String wireName;

        Reason(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        static Reason fromWireName(String name) {
            for (Reason reason : values()) {
                if (reason.wireName.equals(name)) {
                    return reason;
                }
            }
            return null;
        }
    }

    public static Failure of(Reason reason, ApiError error) {
        return new Failure(reason, error.httpStatus(), error.id(), error.message(), error.requestId());
    }

    public static Failure of(Reason reason, String message) {
        return new Failure(reason, null, null, message, null);
    }

    /** The same error, now the cause of the given outcome. */
    public Failure because(Reason newReason) {
        return new Failure(newReason, httpStatus, id, message, requestId);
    }
}
