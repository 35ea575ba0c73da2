package dev.dropletworker.budget;

import dev.dropletworker.lifecycle.AfterCommit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-token request budget, shared by every pod through one PostgreSQL row per token.
 *
 * <p>Two token buckets mirror DigitalOcean's two windows (per minute and per hour); every
 * response's {@code ratelimit-remaining} lowers the hour bucket to what the API says is left (other
 * clients may share the token), and a 429 pauses the token for {@code retry-after}. Time is the
 * database's, so pods with skewed clocks still agree.
 */
@ApplicationScoped
public class RateBudget {

    private final EntityManager em;
    private final BudgetConfig config;
    private final Map<String, String> keys = new ConcurrentHashMap<>();
    private final Set<String> rowsKnown = ConcurrentHashMap.newKeySet();
    private final AfterCommit afterCommit;
    private final double burst;
    private final double minuteRate;

    public RateBudget(EntityManager em, BudgetConfig config, AfterCommit afterCommit) {
        this.em = em;
        this.config = config;
        this.afterCommit = afterCommit;
        // A bucket holding B that refills at r lets through at most B + 60 r requests in any
        // sliding minute (the API's burst window slides): B + 60 r = perMinute keeps under it, at
        // the price of a sustained rate of perMinute - B a minute.
        this.burst = Math.max(1, Math.min(config.burst(), config.perMinute() / 2));
        this.minuteRate = (config.perMinute() - burst) / 60.0;
    }

    /** The most requests the minute bucket holds, taken at once after a quiet spell. */
    public int burst() {
        return (int) burst;
    }

    /** Requests per second the minute bucket refills with. */
    public double sustainedPerSecond() {
        return minuteRate;
    }

    /**
     * Takes one request from the token's budget.
     *
     * @throws BudgetExhausted when the token must wait; nothing was taken
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void take(String token) {
        takeNow(token, 1, null);
    }

    /**
     * Takes {@code requests} at once, for a step that needs them all to get anywhere (a lookup
     * followed by a POST, say). Taken one by one under a scarce budget, such a step would spend
     * the first token of every round and never reach its last request.
     *
     * <p>When they are not all there, the step gets first claim: the row records a reservation
     * for {@code holder}, and until the holder takes it (or it expires) every other taker leaves
     * that many tokens in the bucket. One reservation at a time per token; others wait behind it.
     *
     * @param requests clamped to the per-minute capacity, the most a bucket can ever hold
     * @param holder who comes back for the reservation (a job id); null for a single request
     * @throws BudgetExhausted when the token must wait; nothing was taken
     */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, dontRollbackOn = BudgetExhausted.class)
    public void take(String token, int requests, String holder) {
        takeNow(token, requests, holder);
    }

    /** Both takes, in the caller's transaction: one transaction per take, whatever CDI does with self-calls. */
    private void takeNow(String token, int requests, String holder) {
        int wanted = Math.max(1, Math.min(requests, (int) Math.min(burst, config.perHour())));
        String key = keyOf(token);
        ensureRow(key);
        // The row lock serialises every pod's takes on this token.
        Object[] row = (Object[]) em.createNativeQuery("""
                select minute_tokens, hour_tokens,
                       extract(epoch from (now() - refilled_at)),
                       coalesce(extract(epoch from (paused_until - now())), 0),
                       extract(epoch from now()),
                       reserved_by, reserved_tokens,
                       coalesce(extract(epoch from (reserved_until - now())), 0)
                from rate_budget where token_key = :key for update""")
                .setParameter("key", key)
                .getSingleResult();
        double elapsed = Math.max(0, number(row[2]));
        double pausedFor = number(row[3]);
        Instant now = epoch(number(row[4]));
        double minute = Math.min(burst, number(row[0]) + elapsed * minuteRate);
        double hour = Math.min(config.perHour(), number(row[1]) + elapsed * config.perHour() / 3600.0);
        String reservedBy = (String) row[5];
        boolean reserved = reservedBy != null && number(row[7]) > 0;
        boolean mine = reserved && reservedBy.equals(holder);
        // Tokens promised to another holder are not ours to take.
        double setAside = reserved && !mine ? number(row[6]) : 0;
        if (pausedFor > 0) {
            throw exhausted(now, pausedFor);
        }
        double minuteShort = wanted + setAside - minute;
        double hourShort = wanted + setAside - hour;
        if (minuteShort > 0 || hourShort > 0) {
            double wait = Math.max(minuteShort / minuteRate, hourShort * 3600.0 / config.perHour());
            if (wanted > 1 && holder != null && (!reserved || mine)) {
                reserve(key, holder, wanted, wait);
            }
            throw exhausted(now, wait);
        }
        em.createNativeQuery("""
                update rate_budget set minute_tokens = :minute, hour_tokens = :hour, refilled_at = now(),
                    reserved_by = case when :mine then null else reserved_by end,
                    reserved_tokens = case when :mine then 0 else reserved_tokens end,
                    reserved_until = case when :mine then null else reserved_until end
                where token_key = :key""")
                .setParameter("minute", minute - wanted)
                .setParameter("hour", hour - wanted)
                .setParameter("mine", mine)
                .setParameter("key", key)
                .executeUpdate();
    }

    /**
     * Holds {@code tokens} for {@code holder} for as long as the refill takes plus a grace for
     * coming back; a holder that never does (its pod died) blocks the others for no longer.
     */
    private void reserve(String key, String holder, int tokens, double waitSeconds) {
        em.createNativeQuery("""
                update rate_budget set reserved_by = :holder, reserved_tokens = :tokens,
                    reserved_until = now() + make_interval(secs => :seconds)
                where token_key = :key""")
                .setParameter("holder", holder)
                .setParameter("tokens", (double) tokens)
                .setParameter("seconds", waitSeconds + config.reservationGrace().toMillis() / 1000.0)
                .setParameter("key", key)
                .executeUpdate();
    }

    /** Returns requests taken but not sent (a step that ended early), up to the buckets' capacity. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void giveBack(String token, int requests) {
        if (requests <= 0) {
            return;
        }
        em.createNativeQuery("""
                update rate_budget set minute_tokens = least(:burst, minute_tokens + :requests),
                    hour_tokens = least(:perHour, hour_tokens + :requests)
                where token_key = :key""")
                .setParameter("burst", burst)
                .setParameter("perHour", (double) config.perHour())
                .setParameter("requests", (double) requests)
                .setParameter("key", keyOf(token))
                .executeUpdate();
    }

    /** Feeds what a response said about the token's budget back into the shared state. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void observe(String token, int httpStatus, RateLimitSnapshot rate) {
        if (rate.isEmpty() && httpStatus != 429) {
            return;
        }
        String key = keyOf(token);
        Duration pause = null;
        if (httpStatus == 429) {
            pause = rate.retryAfter();
            if (pause == null && rate.reset() != null) {
                // Hourly quota gone: the oldest counted request expires at reset.
                pause = Duration.between(Instant.now(), rate.reset());
            }
            if (pause == null || pause.isNegative() || pause.isZero()) {
                pause = config.defaultPause();
            }
            if (pause.compareTo(config.maxPause()) > 0) {
                pause = config.maxPause();
            }
        }
        // -1 / 0 stand for "header absent": binding typed nulls in native queries is fragile.
        // remaining = 0 is ambiguous (the API also says 0 while the per-minute burst limit is hit):
        // it empties the minute bucket, and only a positive value caps the hour bucket.
        int remaining = rate.remaining() == null ? -1 : Math.max(0, rate.remaining());
        long reset = rate.reset() == null ? 0 : rate.reset().getEpochSecond();
        ensureRow(key);
        // Tokens accrued since the last refill are added first (and refilled_at moved to now), so
        // that a cap or a zero set here holds from now on instead of being refilled retroactively.
        em.createNativeQuery("""
                update rate_budget set
                    hour_tokens = case when :remaining <= 0 then accrued.hour
                                       else least(accrued.hour, :remaining) end,
                    minute_tokens = case when :remaining = 0 or :limited then 0 else accrued.minute end,
                    refilled_at = now(),
                    paused_until = case when :limited
                                        then greatest(coalesce(paused_until, now()),
                                                      now() + make_interval(secs => :pauseSeconds))
                                        else paused_until end,
                    last_remaining = case when :remaining < 0 then last_remaining else :remaining end,
                    last_reset_at = case when :reset = 0 then last_reset_at else to_timestamp(:reset) end,
                    last_observed_at = now()
                from (select least(:burst, minute_tokens
                                   + extract(epoch from (now() - refilled_at)) * :minuteRate) as minute,
                             least(:perHour, hour_tokens
                                   + extract(epoch from (now() - refilled_at)) * :perHour / 3600.0) as hour
                      from rate_budget where token_key = :key) accrued
                where token_key = :key""")
                .setParameter("remaining", remaining)
                .setParameter("limited", httpStatus == 429)
                .setParameter("pauseSeconds", pause == null ? 0.0 : pause.toMillis() / 1000.0)
                .setParameter("reset", reset)
                .setParameter("burst", burst)
                .setParameter("minuteRate", minuteRate)
                .setParameter("perHour", (double) config.perHour())
                .setParameter("key", key)
                .executeUpdate();
    }

    /**
     * Where a token's budget stands now, as an operator reads it: what each bucket holds (refilled to
     * this moment), until when a 429 paused it, and what the API's headers last said. Empty when no
     * request has been made with the token yet (its buckets are then full).
     */
    @Transactional
    public java.util.Optional<Standing> standing(String token) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                select least(:burst, minute_tokens + extract(epoch from (now() - refilled_at)) * :minuteRate),
                       least(:perHour, hour_tokens + extract(epoch from (now() - refilled_at)) * :perHour / 3600.0),
                       case when paused_until > now() then extract(epoch from paused_until) end,
                       last_remaining,
                       extract(epoch from last_reset_at),
                       extract(epoch from last_observed_at)
                from rate_budget where token_key = :key""")
                .setParameter("burst", burst)
                .setParameter("minuteRate", minuteRate)
                .setParameter("perHour", (double) config.perHour())
                .setParameter("key", keyOf(token))
                .getResultList();
        if (rows.isEmpty()) {
            return java.util.Optional.empty();
        }
        Object[] row = rows.get(0);
        return java.util.Optional.of(new Standing(number(row[0]), number(row[1]), instantOrNull(row[2]),
                row[3] == null ? null : ((Number) row[3]).intValue(), instantOrNull(row[4]), instantOrNull(row[5])));
    }

    /**
     * A token's budget at one moment.
     *
     * @param minuteRemaining requests the minute bucket would let through now (at most the burst)
     * @param hourRemaining requests the hour bucket would let through now
     * @param pausedUntil until when a 429 paused the token; null if it is not paused
     * @param apiRemaining DigitalOcean's last {@code ratelimit-remaining}; null before any answer carried one
     * @param apiResetAt DigitalOcean's last {@code ratelimit-reset}
     * @param observedAt when an answer last told the budget anything
     */
    public record Standing(double minuteRemaining, double hourRemaining, Instant pausedUntil, Integer apiRemaining,
            Instant apiResetAt, Instant observedAt) {
    }

    private static Instant instantOrNull(Object epochSeconds) {
        return epochSeconds == null ? null : epoch(number(epochSeconds));
    }

    /**
     * A token seen for the first time starts with full buckets. Rows are never deleted, so each
     * process inserts at most once per token instead of on every request.
     */
    private void ensureRow(String key) {
        if (rowsKnown.contains(key)) {
            return;
        }
        em.createNativeQuery("""
                insert into rate_budget (token_key, minute_tokens, hour_tokens, refilled_at)
                values (:key, :burst, :perHour, now())
                on conflict (token_key) do nothing""")
                .setParameter("key", key)
                .setParameter("burst", burst)
                .setParameter("perHour", (double) config.perHour())
                .executeUpdate();
        // Known only once committed: a rolled-back insert must be tried again.
        afterCommit.run(() -> rowsKnown.add(key));
    }

    /** The row key for a token: its SHA-256, so the table never holds a token. */
    String keyOf(String token) {
        return keys.computeIfAbsent(token, t -> {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(t.getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(digest);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static BudgetExhausted exhausted(Instant now, double seconds) {
        Duration wait = Duration.ofMillis((long) Math.ceil(seconds * 1000));
        return new BudgetExhausted(now.plus(wait), wait);
    }

    private static double number(Object value) {
        return value == null ? 0 : ((Number) value).doubleValue();
    }

    private static Instant epoch(double seconds) {
        return Instant.ofEpochMilli((long) (seconds * 1000));
    }
}
