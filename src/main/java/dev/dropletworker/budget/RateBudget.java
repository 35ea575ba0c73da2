package dev.dropletworker.budget;

import dev.dropletworker.lifecycle.AfterCommit;
import io.quarkus.narayana.jta.QuarkusTransaction;
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
import java.util.function.IntSupplier;

/**
 * The per-token request budget, shared by every pod through PostgreSQL, accounting DigitalOcean's
 * two sliding windows exactly: every request taken is a row of {@code budget_request} (a step
 * taking several is one row), and a take is granted only if the requests of the last minute and
 * of the last hour, with it, stay within the configured limits. The token's row keeps both counts,
 * so a take costs the same with ten requests in the hour or a hundred thousand. Each window is counted a second
 * longer than DigitalOcean's, so that the two clocks differing cannot let a request in early.
 *
 * <p>What responses say is folded in too: {@code ratelimit-remaining} caps what is left for the
 * hour (other clients may share the token) until its reset time, and a 429 pauses the token for
 * {@code retry-after}. Time is the database's, so pods with skewed clocks still agree; one row per
 * token, locked by every take and every observation, serialises them, so none is lost.
 */
@ApplicationScoped
public class RateBudget {

    /**
     * Moves each window's start to now, taking out of its count the requests that have left it since
     * the previous take (only those: the cost does not grow with the requests still in the window).
     * Runs under the token's row lock. Returns both counts, and while the API's remaining caps the
     * hour, the requests taken since that remaining was observed.
     */
    private static final String EXPIRE = """
            with t as (select clock_timestamp() as at)
            update rate_budget r set
                minute_used = r.minute_used - coalesce((select sum(b.requests) from budget_request b
                    where b.token_key = r.token_key and b.at > r.minute_mark
                      and b.at <= t.at - make_interval(secs => :minute)), 0),
                minute_mark = greatest(r.minute_mark, t.at - make_interval(secs => :minute)),
                hour_used = r.hour_used - coalesce((select sum(b.requests) from budget_request b
                    where b.token_key = r.token_key and b.at > r.hour_mark
                      and b.at <= t.at - make_interval(secs => :hour)), 0),
                hour_mark = greatest(r.hour_mark, t.at - make_interval(secs => :hour))
            from t
            where r.token_key = :key
            returning r.minute_used, r.hour_used,
                case when r.cap_until > now() and r.last_remaining is not null
                     then (select coalesce(sum(b.requests), 0) from budget_request b
                           where b.token_key = r.token_key and b.at > r.last_observed_at)
                     else 0 end""";

    /**
     * Records a take granted, in one statement: its row, both counts, and the rows that have left
     * the hour (those at or before the hour's start, which {@link #EXPIRE} just moved).
     */
    private static final String GRANT = """
            with granted as (
                insert into budget_request (token_key, at, requests) values (:key, clock_timestamp(), :requests)
                returning id
            ), counted as (
                update rate_budget set minute_used = minute_used + :requests, hour_used = hour_used + :requests,
                    reserved_by = case when :mine then null else reserved_by end,
                    reserved_tokens = case when :mine then 0 else reserved_tokens end,
                    reserved_until = case when :mine then null else reserved_until end
                where token_key = :key
            ), forgotten as (
                delete from budget_request
                where token_key = :key and at <= (select hour_mark from rate_budget where token_key = :key)
            )
            select id from granted""";

    /** DigitalOcean's windows, and the second either way that the two clocks may differ. */
    private static final double MINUTE = 60 + 1;
    private static final double HOUR = 3600 + 1;
    /** How long a remaining of 0 without a reset time (the burst limit hit by others) holds the token back. */
    private static final double ZERO_REMAINING_HOLD = 60;
    /** How often one process writes observations that say only that plenty is left. */
    private static final long QUIET_OBSERVATION_NANOS = Duration.ofSeconds(1).toNanos();

    /** Who a request is for: new work leaves a share of every minute and hour to the actions already running. */
    public enum Purpose {
        /** A submission, or the lookup that may precede it. */
        NEW_WORK,
        /** Following an action already started: a poll, a list read, a created Droplet's final read. */
        FOLLOW_UP
    }

    /**
     * A take granted: give back with {@link #giveBack} what its step did not send.
     *
     * @param id the row the take wrote
     */
    public record Grant(long id, int requests) {
    }

    private final EntityManager em;
    private final BudgetConfig config;
    private final Map<String, String> keys = new ConcurrentHashMap<>();
    private final Set<String> rowsKnown = ConcurrentHashMap.newKeySet();
    /** When this process last wrote an observation of each token (its {@link System#nanoTime}). */
    private final Map<String, Long> lastWritten = new ConcurrentHashMap<>();
    private final AfterCommit afterCommit;

    public RateBudget(EntityManager em, BudgetConfig config, AfterCommit afterCommit) {
        this.em = em;
        this.config = config;
        this.afterCommit = afterCommit;
    }

    /**
     * Takes one request of new work from the token's budget.
     *
     * @throws BudgetExhausted when the token must wait; nothing was taken
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void take(String token) {
        takeNow(token, 1, null, Purpose.NEW_WORK);
    }

    /** Takes one request for {@code purpose}. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void take(String token, Purpose purpose) {
        takeNow(token, 1, null, purpose);
    }

    /**
     * Takes one request for {@code purpose} and runs {@code alongside} in the same transaction:
     * both are committed, or neither is. For what must be recorded before a request goes out but
     * only if it does (a POST's "sending" mark): when {@code alongside} throws, nothing is taken;
     * when the budget is exhausted, {@code alongside} is undone.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void take(String token, Purpose purpose, Runnable alongside) {
        // First, so that this token's row lock is held for no more than the take and the commit.
        alongside.run();
        takeNow(token, 1, null, purpose);
    }

    /**
     * As {@link #take(String, Purpose, Runnable)} for several requests: {@code alongside} runs first
     * and says how many to take (the POSTs it marked as going out), and both are committed or
     * neither is. When the budget does not hold them all, nothing is taken and {@code alongside}
     * is undone; no reservation is made.
     *
     * @return what was taken, or null when {@code alongside} asked for none
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Grant takeFor(String token, Purpose purpose, IntSupplier alongside) {
        int requests = alongside.getAsInt();
        return requests <= 0 ? null : takeNow(token, requests, null, purpose);
    }

    /**
     * Takes {@code requests} of new work at once, for a step that needs them all to get anywhere
     * (a lookup followed by a POST, say). Taken one by one under a scarce budget, such a step would
     * spend the first request of every round and never reach its last.
     *
     * <p>When they are not all there, the step gets first claim: the token's row records a
     * reservation for {@code holder}, and until the holder takes it (or it lapses) every other taker
     * leaves that many requests free. One reservation at a time per token; others wait behind it.
     *
     * @param requests clamped to the most a minute can ever hold for new work
     * @param holder who comes back for the reservation (a job id); null for no reservation
     * @throws BudgetExhausted when the token must wait; nothing was taken
     */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, dontRollbackOn = BudgetExhausted.class)
    public Grant take(String token, int requests, String holder) {
        return takeNow(token, requests, holder, Purpose.NEW_WORK);
    }

    /** As {@link #take(String, int, String)}, for {@code purpose}. */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, dontRollbackOn = BudgetExhausted.class)
    public Grant take(String token, int requests, String holder, Purpose purpose) {
        return takeNow(token, requests, holder, purpose);
    }

    private Grant takeNow(String token, int requests, String holder, Purpose purpose) {
        // New work leaves the follow-up reserve of every minute and hour to the actions already running.
        boolean newWork = purpose == Purpose.NEW_WORK;
        long minuteLimit = config.perMinute() - (newWork ? config.followUpReserve() : 0);
        long hourLimit = config.perHour() - (newWork ? config.followUpReservePerHour() : 0);
        int wanted = (int) Math.max(1, Math.min(requests, Math.min(minuteLimit, hourLimit)));
        String key = keyOf(token);
        ensureRow(key);
        // The row lock serialises every pod's takes and observations on this token.
        Object[] row = (Object[]) em.createNativeQuery("""
                select coalesce(extract(epoch from (paused_until - now())), 0),
                       reserved_by, reserved_tokens, coalesce(extract(epoch from (reserved_until - now())), 0),
                       last_remaining, extract(epoch from (cap_until - now())), extract(epoch from now())
                from rate_budget where token_key = :key for update""")
                .setParameter("key", key)
                .getSingleResult();
        double pausedFor = number(row[0]);
        Instant now = epoch(number(row[6]));
        if (pausedFor > 0) {
            throw exhausted(now, pausedFor);
        }
        String reservedBy = (String) row[1];
        boolean reserved = reservedBy != null && number(row[3]) > 0;
        boolean mine = reserved && reservedBy.equals(holder);
        // Requests promised to another holder are not ours to take.
        int setAside = reserved && !mine ? (int) number(row[2]) : 0;
        Object[] used = (Object[]) em.createNativeQuery(EXPIRE).setParameter("minute", MINUTE)
                .setParameter("hour", HOUR).setParameter("key", key).getSingleResult();
        long minuteUsed = (long) number(used[0]);
        long hourUsed = (long) number(used[1]);
        boolean capped = row[4] != null && row[5] != null && number(row[5]) > 0;
        long hourLeft = hourLimit - hourUsed;
        if (capped) {
            // What the API last said was left for the hour, less what was taken since.
            hourLeft = Math.min(hourLeft, (long) number(row[4]) - (long) number(used[2]));
        }
        long minuteShort = wanted + setAside - (minuteLimit - minuteUsed);
        long hourShort = wanted + setAside - hourLeft;
        if (minuteShort > 0 || hourShort > 0) {
            double wait = 0;
            if (minuteShort > 0) {
                wait = untilFreed(key, MINUTE, minuteShort);
            }
            if (hourShort > 0) {
                wait = Math.max(wait, capped && hourLimit - hourUsed >= wanted + setAside
                        ? number(row[5]) : untilFreed(key, HOUR, hourShort));
            }
            if (wanted > 1 && holder != null && (!reserved || mine)) {
                reserve(key, holder, wanted, wait);
            }
            throw exhausted(now, wait);
        }
        long id = ((Number) em.createNativeQuery(GRANT)
                .setParameter("key", key)
                .setParameter("requests", wanted)
                .setParameter("mine", mine)
                .getSingleResult()).longValue();
        return new Grant(id, wanted);
    }

    /**
     * Seconds until {@code excess} of the requests in the window have left it: the time the oldest
     * ones, which together make up that many, were taken, plus the window.
     */
    private double untilFreed(String key, double window, long excess) {
        @SuppressWarnings("unchecked")
        List<Object> at = em.createNativeQuery("""
                select extract(epoch from (at + make_interval(secs => :window) - now())) from (
                    select at, sum(requests) over (order by at, id) as taken
                    from budget_request
                    where token_key = :key and at > now() - make_interval(secs => :window)) oldest
                where taken >= :excess
                order by at
                limit 1""")
                .setParameter("window", window)
                .setParameter("key", key)
                .setParameter("excess", excess)
                .getResultList();
        // Nothing in the window to wait for: the shortfall is the reservation's or the limit's own.
        return at.isEmpty() ? window : Math.max(0.001, number(at.get(0)));
    }

    /**
     * Holds {@code requests} for {@code holder} for as long as the wait takes plus a grace for coming
     * back; a holder that never does (its pod died) holds the others back for no longer.
     */
    private void reserve(String key, String holder, int requests, double waitSeconds) {
        em.createNativeQuery("""
                update rate_budget set reserved_by = :holder, reserved_tokens = :requests,
                    reserved_until = now() + make_interval(secs => :seconds)
                where token_key = :key""")
                .setParameter("holder", holder)
                .setParameter("requests", (double) requests)
                .setParameter("seconds", waitSeconds + config.reservationGrace().toMillis() / 1000.0)
                .setParameter("key", key)
                .executeUpdate();
    }

    /** Returns requests a step took but did not send (it ended early): they count no more. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void giveBack(String token, Grant grant, int requests) {
        if (requests <= 0) {
            return;
        }
        String key = keyOf(token);
        em.createNativeQuery("select 1 from rate_budget where token_key = :key for update")
                .setParameter("key", key).getResultList();
        // Out of the counts it is still in (a window that has moved past it counts it no more).
        em.createNativeQuery("""
                with given as (
                    update budget_request b set requests = b.requests - least(b.requests, :requests)
                    from budget_request before
                    where b.id = :id and b.token_key = :key and before.id = b.id
                    returning b.at, least(before.requests, :requests) as returned)
                update rate_budget r set
                    minute_used = r.minute_used - (select coalesce(sum(returned), 0) from given where at > r.minute_mark),
                    hour_used = r.hour_used - (select coalesce(sum(returned), 0) from given where at > r.hour_mark)
                where r.token_key = :key""")
                .setParameter("requests", requests)
                .setParameter("id", grant.id())
                .setParameter("key", key)
                .executeUpdate();
    }

    /**
     * Feeds what a response said about the token's budget back into the shared state, under the
     * token's row lock (an observation and a take at the same moment both count). Its one update
     * takes that lock, and computes every column it writes from the row as it finds it then.
     *
     * <p>A response that says only that plenty is left (no 429, a remaining above a minute's limit)
     * is written at most once a second per token by this process. The takes count every request of
     * the worker's exactly themselves; the remaining only adds what others sharing the token used,
     * and seeing that a second late cannot let through a request the hour does not have, as a
     * remaining that low is written at once.
     */
    public void observe(String token, int httpStatus, RateLimitSnapshot rate) {
        if (rate.isEmpty() && httpStatus != 429) {
            return;
        }
        String key = keyOf(token);
        boolean news = httpStatus == 429 || rate.remaining() != null && rate.remaining() <= config.perMinute();
        long now = System.nanoTime();
        Long written = lastWritten.get(key);
        if (!news && written != null && now - written < QUIET_OBSERVATION_NANOS) {
            return;
        }
        QuarkusTransaction.requiringNew().run(() -> write(key, httpStatus, rate));
        lastWritten.put(key, now);
    }

    private void write(String key, int httpStatus, RateLimitSnapshot rate) {
        ensureRow(key);
        Double pause = null;
        if (httpStatus == 429) {
            Duration wait = rate.retryAfter();
            if (wait == null && rate.reset() != null) {
                // No retry-after: the hourly quota is gone; the oldest counted request expires at reset.
                wait = Duration.between(Instant.now(), rate.reset());
            }
            if (wait == null || wait.isNegative() || wait.isZero()) {
                wait = config.defaultPause();
            }
            if (wait.compareTo(config.maxPause()) > 0) {
                wait = config.maxPause();
            }
            pause = wait.toMillis() / 1000.0;
        }
        // How long the API's remaining caps the hour: until its reset time (when the oldest request
        // it counted expires). A remaining of 0 is ambiguous (the API also says 0 while the burst
        // limit is hit, hourly quota left): it holds back for at most a minute.
        Double capFor = null;
        // A 429 with retry-after is the burst limit: its pause says all, its remaining of 0 nothing.
        boolean burstLimited = httpStatus == 429 && rate.retryAfter() != null;
        if (rate.remaining() != null && !burstLimited) {
            double untilReset = rate.reset() == null ? -1 : (rate.reset().toEpochMilli() - Instant.now().toEpochMilli()) / 1000.0;
            capFor = untilReset > 0 ? untilReset : config.defaultPause().toMillis() / 1000.0;
            if (rate.remaining() <= 0) {
                capFor = Math.min(untilReset > 0 ? untilReset : ZERO_REMAINING_HOLD, ZERO_REMAINING_HOLD);
            }
        }
        em.createNativeQuery("""
                update rate_budget set
                    paused_until = case when :paused
                                        then greatest(coalesce(paused_until, now()), now() + make_interval(secs => :pause))
                                        else paused_until end,
                    last_remaining = case when :capped then :remaining else last_remaining end,
                    last_observed_at = case when :capped then now() else last_observed_at end,
                    cap_until = case when :capped then now() + make_interval(secs => :capFor) else cap_until end,
                    last_reset_at = case when :reset = 0 then last_reset_at else to_timestamp(:reset) end
                where token_key = :key""")
                .setParameter("paused", pause != null)
                .setParameter("pause", pause == null ? 0.0 : pause)
                .setParameter("capped", capFor != null)
                .setParameter("remaining", rate.remaining() == null ? 0 : Math.max(0, rate.remaining()))
                .setParameter("capFor", capFor == null ? 0.0 : capFor)
                .setParameter("reset", rate.reset() == null ? 0L : rate.reset().getEpochSecond())
                .setParameter("key", key)
                .executeUpdate();
    }

    /**
     * What the token has left right now in each window, and how long a 429 still pauses it, without
     * taking anything: the one read for metrics and operators. A token never used has everything.
     */
    @Transactional
    public BudgetLeft left(String token) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                select r.minute_used - coalesce((select sum(b.requests) from budget_request b
                           where b.token_key = r.token_key and b.at > r.minute_mark
                             and b.at <= clock_timestamp() - make_interval(secs => :minute)), 0),
                       r.hour_used - coalesce((select sum(b.requests) from budget_request b
                           where b.token_key = r.token_key and b.at > r.hour_mark
                             and b.at <= clock_timestamp() - make_interval(secs => :hour)), 0),
                       greatest(coalesce(extract(epoch from (r.paused_until - now())), 0), 0)
                from rate_budget r where r.token_key = :key""")
                .setParameter("minute", MINUTE)
                .setParameter("hour", HOUR)
                .setParameter("key", keyOf(token))
                .getResultList();
        if (rows.isEmpty()) {
            return new BudgetLeft(config.perMinute(), config.perHour(), Duration.ZERO);
        }
        Object[] used = rows.get(0);
        return new BudgetLeft(Math.max(0, config.perMinute() - number(used[0])),
                Math.max(0, config.perHour() - number(used[1])),
                Duration.ofMillis((long) Math.ceil(number(used[2]) * 1000)));
    }

    /**
     * A token seen for the first time gets its row. Rows are never deleted, so each process inserts
     * at most once per token instead of on every request.
     */
    private void ensureRow(String key) {
        if (rowsKnown.contains(key)) {
            return;
        }
        em.createNativeQuery("""
                insert into rate_budget (token_key) values (:key) on conflict (token_key) do nothing""")
                .setParameter("key", key)
                .executeUpdate();
        // Known only once committed: a rolled-back insert must be tried again.
        afterCommit.run(() -> rowsKnown.add(key));
    }

    /** The row key for a token: its SHA-256, so the tables never hold a token. */
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
