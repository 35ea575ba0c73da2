package dev.dropletworker.job;

import java.time.Instant;

/**
 * An operator's pause of an account's dispatch (its token was revoked, an incident is on).
 *
 * @param pausedBy who paused it (an API key's name or a token's subject)
 * @param reason what the operator said, or null
 */
public record AccountPause(String account, Instant pausedAt, String pausedBy, String reason) {
}
