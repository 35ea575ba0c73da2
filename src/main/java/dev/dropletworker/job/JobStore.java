package dev.dropletworker.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hibernate.query.NativeQuery;
import org.hibernate.type.StandardBasicTypes;
import org.jboss.logging.Logger;

/**
 * The job table: inserting, claiming with leases, and every state transition. Reads run in their
 * own transaction too, so a scheduler round never sees rows cached before its own updates. Each transition is
 * a committed row update with its time plus a job_transition row, and one INFO log line.
 */
@ApplicationScoped
public class JobStore {

    private static final Logger LOG = Logger.getLogger(JobStore.class);

    private final EntityManager em;
    private final ObjectMapper mapper;

    public JobStore(EntityManager em, ObjectMapper mapper) {
        this.em = em;
        this.mapper = mapper;
    }

    /**
     * Records a job; a command_id seen before is a no-op (a redelivered command is executed once).
     *
     * @return the new job, or empty when the command_id was already known
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<Job> insert(NewJob job, JobState initial) {
        UUID id = UUID.randomUUID();
        int inserted = em.createNativeQuery("""
                insert into job (id, command_id, command_type, account, droplet_id, tag_name, ordering_key,
                                 request, problems, state, attempts, next_run_at, received_at, updated_at,
                                 finished_at, outcome, kafka_topic, kafka_partition, kafka_offset)
                values (:id, :commandId, :commandType, :account, :dropletId, :tagName, :orderingKey,
                        cast(:request as jsonb), cast(:problems as jsonb), :state, 0, now(), now(), now(),
                        case when :terminal then now() end, :outcome, :topic, :partition, :offset)
                on conflict (command_id) do nothing""")
                .unwrap(NativeQuery.class)
                .setParameter("id", id)
                .setParameter("commandId", job.commandId())
                .setParameter("commandType", job.commandType(), StandardBasicTypes.STRING)
                .setParameter("account", job.account())
                .setParameter("dropletId", job.dropletId(), StandardBasicTypes.LONG)
                .setParameter("tagName", job.tagName(), StandardBasicTypes.STRING)
                .setParameter("orderingKey", job.orderingKey(), StandardBasicTypes.STRING)
                .setParameter("request", json(job.request()), StandardBasicTypes.STRING)
                .setParameter("problems", json(job.problems()), StandardBasicTypes.STRING)
                .setParameter("state", initial.name())
                .setParameter("terminal", initial.isTerminal())
                .setParameter("outcome", initial.isTerminal() ? initial.outcome() : null, StandardBasicTypes.STRING)
                .setParameter("topic", job.kafkaTopic())
                .setParameter("partition", job.kafkaPartition())
                .setParameter("offset", job.kafkaOffset())
                .executeUpdate();
        if (inserted == 0) {
            LOG.infof("duplicate command ignored: command_id=%s", job.commandId());
            return Optional.empty();
        }
        Job created = em.find(Job.class, id);
        recordTransition(created, null, initial, "received from " + job.kafkaTopic() + "-" + job.kafkaPartition()
                + "@" + job.kafkaOffset());
        return Optional.of(created);
    }

    /**
     * Claims up to {@code limit} due jobs for this pod: RECEIVED, due, and with no earlier open job
     * on the same ordering key (one action per Droplet, in arrival order). SKIP LOCKED lets every
     * pod claim at once without waiting on each other; the lease lets another pod take over the
     * claim if this one dies.
     */
    @Transactional
    public List<UUID> claimDue(String owner, Duration lease, int limit) {
        return claimDue(owner, lease, limit, Set.of());
    }

    /**
     * As {@link #claimDue(String, Duration, int)}, leaving out jobs of the given accounts (whose
     * rate budget is known to be exhausted, so claiming them would only hand them back).
     */
    @Transactional
    public List<UUID> claimDue(String owner, Duration lease, int limit, Set<String> skippedAccounts) {
        @SuppressWarnings("unchecked")
        List<UUID> claimed = em.createNativeQuery("""
                with due as (
                    select j.id from job j
                    where j.state = 'RECEIVED' and j.next_run_at <= now()
                      and j.account not in (:skipped)
                      and (j.ordering_key is null or not exists (
                            select 1 from job earlier
                            where earlier.ordering_key = j.ordering_key and earlier.seq < j.seq
                              and earlier.state in ('RECEIVED', 'SUBMITTING', 'IN_PROGRESS')))
                    order by j.seq
                    limit :limit
                    for update of j skip locked
                ), claimed as (
                    update job set state = 'SUBMITTING', lease_owner = :owner,
                                   lease_expires_at = now() + make_interval(secs => :lease),
                                   attempts = attempts + 1, submitting_at = now(), updated_at = now(),
                                   first_submitting_at = coalesce(first_submitting_at, now())
                    from due where job.id = due.id
                    returning job.id
                )
                insert into job_transition (job_id, from_state, to_state, at, detail)
                select id, 'RECEIVED', 'SUBMITTING', now(), 'claimed by ' || :owner from claimed
                returning job_id""", UUID.class)
                .setParameter("limit", limit)
                .setParameter("owner", owner)
                .setParameter("lease", lease.toMillis() / 1000.0)
                // "not in ()" is not SQL; no account is named "" (the command schema forbids it)
                .setParameter("skipped", skippedAccounts.isEmpty() ? List.of("") : List.copyOf(skippedAccounts))
                .getResultList();
        return claimed;
    }

    /**
     * A pod died (or stalled past its lease) while submitting: the job goes back to RECEIVED. If
     * that claim had sent its POST, the job is marked unconfirmed: the POST may have taken effect.
     */
    @Transactional
    public int releaseExpiredLeases() {
        @SuppressWarnings("unchecked")
        List<UUID> released = em.createNativeQuery("""
                with expired as (
                    select id from job
                    where state = 'SUBMITTING' and lease_expires_at < now()
                    for update skip locked
                ), released as (
                    update job set state = 'RECEIVED', lease_owner = null, lease_expires_at = null,
                                   unconfirmed_since = case when sent_at >= submitting_at then now()
                                                            else unconfirmed_since end,
                                   next_run_at = now(), updated_at = now()
                    from expired where job.id = expired.id
                    returning job.id
                )
                insert into job_transition (job_id, from_state, to_state, at, detail)
                select id, 'SUBMITTING', 'RECEIVED', now(), 'lease expired' from released
                returning job_id""", UUID.class).getResultList();
        released.forEach(id -> LOG.warnf("job %s lease expired while submitting; it will be resumed", id));
        return released.size();
    }

    /**
     * Renews this pod's lease and stamps sent_at, just before a POST. If the lease was lost (this pod
     * stalled and another took the job over), nothing is sent: two pods must never both submit.
     *
     * @return false when the lease is no longer this pod's
     */
    @Transactional
    public boolean markSending(UUID id, String owner, Duration lease) {
        return em.createNativeQuery("""
                update job set lease_expires_at = now() + make_interval(secs => :lease), sent_at = now(),
                               updated_at = now()
                where id = :id and lease_owner = :owner and state = 'SUBMITTING' and lease_expires_at > now()""")
                .setParameter("lease", lease.toMillis() / 1000.0)
                .setParameter("id", id)
                .setParameter("owner", owner)
                .executeUpdate() == 1;
    }

    @Transactional
    public Optional<Job> findByCommandId(String commandId) {
        return em.createQuery("from Job where commandId = :id", Job.class).setParameter("id", commandId)
                .getResultStream().findFirst();
    }

    @Transactional
    public Optional<Job> find(UUID id) {
        return Optional.ofNullable(em.find(Job.class, id));
    }

    /** Locks the job if this pod still holds its submission lease; empty if the lease was lost. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<Job> lockLeased(UUID id, String owner) {
        Job job = em.find(Job.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (job == null || job.state != JobState.SUBMITTING || !owner.equals(job.leaseOwner)) {
            LOG.warnf("job %s: submission lease lost, result discarded", id);
            return Optional.empty();
        }
        return Optional.of(job);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public Job lock(UUID id) {
        return em.find(Job.class, id, LockModeType.PESSIMISTIC_WRITE);
    }

    /** Moves a locked job to {@code target}, stamping the state's time and recording the transition. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void transition(Job job, JobState target, String detail) {
        JobState from = job.state;
        if (!from.canMoveTo(target)) {
            throw new IllegalStateException("job " + job.id + ": " + from + " -> " + target + " is not allowed");
        }
        Instant now = now();
        job.state = target;
        job.updatedAt = now;
        switch (target) {
            case RECEIVED -> {
                job.leaseOwner = null;
                job.leaseExpiresAt = null;
            }
            case SUBMITTING -> job.submittingAt = now;
            case IN_PROGRESS -> {
                job.inProgressAt = now;
                job.leaseOwner = null;
                job.leaseExpiresAt = null;
                job.unconfirmedSince = null;
            }
            default -> {
                job.finishedAt = now;
                job.outcome = target.outcome();
                job.leaseOwner = null;
                job.leaseExpiresAt = null;
            }
        }
        recordTransition(job, from, target, detail);
    }

    /** Actions this job started, in the order they were recorded. */
    @Transactional
    public List<JobAction> actionsOf(UUID jobId) {
        return em.createQuery("from JobAction where jobId = :job order by id", JobAction.class)
                .setParameter("job", jobId).getResultList();
    }

    @Transactional
    public List<JobTransition> transitionsOf(UUID jobId) {
        return em.createQuery("from JobTransition where jobId = :job order by id", JobTransition.class)
                .setParameter("job", jobId).getResultList();
    }

    /** The database's clock: every pod stamps rows with the same time source. */
    @Transactional
    public Instant now() {
        return ((java.time.OffsetDateTime) em.createNativeQuery("select now()", java.time.OffsetDateTime.class)
                .getSingleResult()).toInstant();
    }

    private void recordTransition(Job job, JobState from, JobState to, String detail) {
        JobTransition t = new JobTransition();
        t.jobId = job.id;
        t.fromState = from;
        t.toState = to;
        t.at = job.updatedAt;
        t.detail = detail;
        em.persist(t);
        LOG.infof("job %s %s -> %s command_id=%s droplet_id=%s attempts=%d%s", job.id, from == null ? "new" : from,
                to, job.commandId, job.dropletId, job.attempts, detail == null ? "" : " (" + detail + ")");
    }

    private String json(Object value) {
        if (value == null) {
            return null;
        }
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
