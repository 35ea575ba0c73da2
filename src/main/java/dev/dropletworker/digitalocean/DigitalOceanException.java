package dev.dropletworker.digitalocean;

import dev.dropletworker.budget.RateLimitSnapshot;
import java.time.Duration;
import java.util.Optional;

/** A request that did not succeed. Messages never carry the token or the request body. */
public abstract sealed class DigitalOceanException extends RuntimeException
        permits DigitalOceanException.ErrorResponse, DigitalOceanException.Unreachable {

    DigitalOceanException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The API answered with a 4xx or 5xx. */
    public static final class ErrorResponse extends DigitalOceanException {
        private final ApiError error;
        private final RateLimitSnapshot rateLimit;

        ErrorResponse(String request, ApiError error, RateLimitSnapshot rateLimit) {
            super(describe(request, error), null);
            this.error = error;
            this.rateLimit = rateLimit;
        }

        /** "GET /v2/droplets/7: 404 not_found: The resource ... (request 4d9d...)", leaving out what the answer lacked. */
        private static String describe(String request, ApiError error) {
            StringBuilder text = new StringBuilder(request).append(": ").append(error.httpStatus());
            if (error.id() != null) {
                text.append(' ').append(error.id());
            }
            text.append(error.message() != null ? ": " + error.message() : " (no error body)");
            if (error.requestId() != null) {
                text.append(" (request ").append(error.requestId()).append(')');
            }
            return text.toString();
        }

        public ApiError error() {
            return error;
        }

        public Optional<Duration> retryAfter() {
            return Optional.ofNullable(rateLimit.retryAfter());
        }
    }

    /**
     * No answer: connection refused or reset, timeout, or an unreadable response. For a POST the
     * request may or may not have taken effect. The cause is named, not kept: the messages of
     * lower layers can quote request headers, and with them the token.
     */
    public static final class Unreachable extends DigitalOceanException {
        Unreachable(String request, Throwable cause) {
            super(request + ": no usable response (" + causeName(cause) + ")", null);
        }

        private static String causeName(Throwable cause) {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return root == cause ? cause.getClass().getSimpleName()
                    : cause.getClass().getSimpleName() + " / " + root.getClass().getSimpleName();
        }
    }
}
