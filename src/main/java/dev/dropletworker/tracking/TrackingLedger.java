package dev.dropletworker.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.digitalocean.Action;
import dev.dropletworker.job.JobAction;
import dev.dropletworker.job.JobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The job_action side of tracking: claiming polls and recording what each poll saw. */
@ApplicationScoped
class TrackingLedger {

    private final EntityManager em;
    private final TrackingConfig config;
    private final JobStore jobs;

    TrackingLedger(EntityManager em, TrackingConfig config, JobStore jobs) {
        this.em = em;
        this.config = config;
        this.jobs = jobs;
    }

    /**
     * Claims actions due for a poll. Pushing next_poll_at forward is the claim: another pod skips
     * the row until then, and if this pod dies the poll simply happens later.
     */
    @Transactional
    List<Long> claimDuePolls(Duration lease, int limit) {
        @SuppressWarnings("unchecked")
        List<Long> ids = em.createNativeQuery("""
                update job_action set next_poll_at = now() + make_interval(secs => :lease)
                where id in (
                    select a.id from job_action a
                    where a.status = 'in-progress' and a.next_poll_at <= now()
                      and exists (select 1 from job j where j.id = a.job_id and j.state = 'IN_PROGRESS')
                    order by a.next_poll_at
                    limit :limit
                    for update skip locked)
                returning id""", Long.class)
                .setParameter("lease", lease.toMillis() / 1000.0)
                .setParameter("limit", limit)
                .getResultList();
        return ids;
    }

    /** How many actions each account has in flight (all pods' together). */
    @Transactional
    Map<String, Long> inFlightByAccount() {
        @SuppressWarnings("unchecked")
        List<Object[]> counts = em.createNativeQuery("""
                select j.account, count(*) from job_action a join job j on j.id = a.job_id
                where a.status = 'in-progress' and j.state = 'IN_PROGRESS'
                group by j.account""").getResultList();
        Map<String, Long> byAccount = new HashMap<>();
        counts.forEach(c -> byAccount.put((String) c[0], ((Number) c[1]).longValue()));
        return byAccount;
    }

    /** The in-progress rows, by action id, that follow any of {@code actionIds} on {@code account}. */
    @Transactional
    Map<Long, Long> inProgressRows(String account, Collection<Long> actionIds) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                select a.action_id, a.id from job_action a join job j on j.id = a.job_id
                where a.status = 'in-progress' and j.state = 'IN_PROGRESS' and j.account = :account
                  and a.action_id in (:ids)""")
                .setParameter("account", account)
                .setParameter("ids", actionIds)
                .getResultList();
        Map<Long, Long> byAction = new HashMap<>();
        rows.forEach(r -> byAction.put(((Number) r[0]).longValue(), ((Number) r[1]).longValue()));
        return byAction;
    }

    @Transactional
    JobAction find(long rowId) {
        return em.find(JobAction.class, rowId);
    }

    /** @return true when this poll saw the action finish */
    @Transactional
    boolean polled(long rowId, Action action) {
        JobAction row = em.find(JobAction.class, rowId, LockModeType.PESSIMISTIC_WRITE);
        if (!Action.IN_PROGRESS.equals(row.status)) {
            return false;
        }
        row.polls++;
        row.pollFailures = 0;
        row.type = action.type() != null ? action.type() : row.type;
        row.startedAt = action.startedAt();
        row.completedAt = action.completedAt();
        row.dropletId = action.resourceId() != null ? action.resourceId() : row.dropletId;
        row.resourceType = action.resourceType();
        row.regionSlug = action.regionSlug();
        if (action.isFinished()) {
            row.status = action.finalStatus();
            return true;
        }
        row.nextPollAt = jobs.now().plus(nextInterval(row.polls));
        return false;
    }

    /** @return the consecutive failures of this action's polls so far */
    @Transactional
    int pollFailed(long rowId, Duration retryIn, boolean countsAsFailure) {
        JobAction row = em.find(JobAction.class, rowId, LockModeType.PESSIMISTIC_WRITE);
        if (countsAsFailure) {
            row.pollFailures++;
        }
        row.nextPollAt = jobs.now().plus(retryIn);
        return row.pollFailures;
    }

    /** Polls that could not be made this round (no budget): due again after {@code delay}, nothing counted. */
    @Transactional
    void reschedulePolls(List<Long> rowIds, Duration delay) {
        em.createNativeQuery("""
                update job_action set next_poll_at = now() + make_interval(secs => :delay)
                where id in (:ids) and status = 'in-progress'""")
                .setParameter("delay", delay.toMillis() / 1000.0)
                .setParameter("ids", rowIds)
                .executeUpdate();
    }

    /** Doubling from the minimum interval, capped: cheap on the budget for long actions. */
    Duration nextInterval(int polls) {
        long min = config.minPollInterval().toMillis();
        long next = min << Math.min(16, Math.max(0, polls - 1));
        return Duration.ofMillis(Math.min(next, config.maxPollInterval().toMillis()));
    }

    /**
     * Claims IN_PROGRESS jobs whose actions have all finished, for the final read and the event.
     * The job lease keeps two pods from finishing the same job at once.
     */
    @Transactional
    List<UUID> claimFinishable(String owner, Duration lease, int limit) {
        @SuppressWarnings("unchecked")
        List<UUID> ids = em.createNativeQuery("""
                update job set lease_owner = :owner, lease_expires_at = now() + make_interval(secs => :lease)
                where id in (
                    select j.id from job j
                    where j.state = 'IN_PROGRESS'
                      and (j.lease_expires_at is null or j.lease_expires_at < now())
                      and not exists (select 1 from job_action a where a.job_id = j.id and a.status = 'in-progress')
                    limit :limit
                    for update skip locked)
                returning id""", UUID.class)
                .setParameter("owner", owner)
                .setParameter("lease", lease.toMillis() / 1000.0)
                .setParameter("limit", limit)
                .getResultList();
        return ids;
    }

    /** Keeps a created Droplet's final read, so a later round need not read it again. */
    @Transactional
    void recordDroplet(long rowId, JsonNode droplet) {
        em.find(JobAction.class, rowId).droplet = droplet;
    }

    /** The final read must wait: let this or another pod try again at {@code at}, not after the whole lease. */
    @Transactional
    void postponeFinish(UUID jobId, Duration delay) {
        em.createNativeQuery("""
                update job set lease_expires_at = now() + make_interval(secs => :delay)
                where id = :id and state = 'IN_PROGRESS'""")
                .setParameter("delay", delay.toMillis() / 1000.0)
                .setParameter("id", jobId)
                .executeUpdate();
    }

    /** IN_PROGRESS jobs with an action still running past the tracking timeout. */
    List<UUID> timedOut(Duration timeout, int limit) {
        @SuppressWarnings("unchecked")
        List<UUID> ids = em.createNativeQuery("""
                select j.id from job j
                where j.state = 'IN_PROGRESS' and j.in_progress_at < now() - make_interval(secs => :timeout)
                  and exists (select 1 from job_action a where a.job_id = j.id and a.status = 'in-progress')
                limit :limit""", UUID.class)
                .setParameter("timeout", timeout.toMillis() / 1000.0)
                .setParameter("limit", limit)
                .getResultList();
        return ids;
    }
}
