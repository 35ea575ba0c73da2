package dev.dropletworker.job;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * Where a page of the newest-first job list ended: the last job's (received_at, id). The next page
 * starts strictly after it, so rows inserted meanwhile never shift a page (no offsets). Opaque to
 * clients: URL-safe base64.
 */
public record JobCursor(Instant receivedAt, UUID id) {

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((receivedAt + "|" + id).getBytes(StandardCharsets.UTF_8));
    }

    /** @return empty when {@code text} is not a cursor this class made */
    public static Optional<JobCursor> decode(String text) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8).split("\\|", 2);
            return Optional.of(new JobCursor(Instant.parse(parts[0]), UUID.fromString(parts[1])));
        } catch (RuntimeException notACursor) {
            return Optional.empty();
        }
    }
}
