package dev.dropletworker.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.hibernate.query.NativeQuery;
import org.hibernate.type.StandardBasicTypes;
import org.jboss.logging.Logger;

/**
 * The job table's front door: recording commands, reading jobs, and claiming due ones for
 * submission with leases. Reads run in their own transaction too, so a scheduler round never sees
 * rows cached before its own updates. What a claim then leads to is recorded by
 * {@link SubmissionLedger}; what tracking sees, by {@link TrackingLedger}.
 */
@ApplicationScoped
public class JobStore {

    private static final Logger LOG = Logger.getLogger(JobStore.class);

    /**
     * Records a batch (see {@link #recordAll}). The batch comes as one JSON array, so that every
     * batch size is the same statement with one parameter; its rows are inserted in their order.
     */
    private static final String RECORD_ALL = """
            with v as (
                select * from json_to_recordset(cast(:rows as json)) as r (
                    ord int, id uuid, command_id text, command_type text, account text, droplet_id bigint,
                    tag_name text, ordering_key text, request jsonb, problems jsonb, state text, terminal boolean,
                    outcome text, topic text, part int, off bigint, targets_known boolean, trace_parent text)
            ), inserted as (
                insert into job (id, command_id, command_type, account, droplet_id, tag_name, ordering_key,
                                 request, problems, state, attempts, next_run_at, received_at, updated_at,
                                 finished_at, outcome, kafka_topic, kafka_partition, kafka_offset, targets_known,
                                 trace_parent)
                select v.id, v.command_id, v.command_type, v.account, v.droplet_id, v.tag_name, v.ordering_key,
                       v.request, v.problems, v.state, 0, now(), now(), now(),
                       case when v.terminal then now() end, v.outcome, v.topic, v.part, v.off, v.targets_known,
                       v.trace_parent
                from v
                where not exists (select 1 from command_tombstone t where t.command_id = v.command_id)
                order by v.ord
                on conflict (command_id) do nothing
                returning id, seq, droplet_id, state, kafka_topic, kafka_partition, kafka_offset
            ), targets as (
                insert into job_target (job_id, droplet_id, job_seq)
                select id, droplet_id, seq from inserted where state <> 'REJECTED' and droplet_id is not null
            ), born as (
                insert into job_transition (job_id, from_state, to_state, at, detail)
                select id, null, state, now(),
                       'received from ' || kafka_topic || '-' || kafka_partition || '@' || kafka_offset
                from inserted
            )
            select id from inserted""";

    /**
     * The claim of {@link #claimDue(String, Duration, int, Set)}, with parameters {@code limit},
     * {@code owner}, {@code lease} (seconds) and {@code skipped} (accounts, never empty).
     */
    static final String CLAIM_DUE = """
        with due as (
            select j.id from job j
            where j.state = 'RECEIVED' and j.next_run_at <= now()
              and j.account not in (:skipped)
              and not exists (select 1 from account_pause p where p.account = j.account)
              -- an earlier open job on the same key: the same Droplet, or the same tag
              and (j.ordering_key is null or not exists (
                    select 1 from job earlier
                    where earlier.ordering_key = j.ordering_key and earlier.seq < j.seq
                      and earlier.state in ('RECEIVED', 'SUBMITTING', 'IN_PROGRESS')))
              -- an earlier job, open or holding on after a timeout, acting on one of its Droplets
              and not exists (
                    select 1 from job_target mine
                    join job_target theirs on theirs.droplet_id = mine.droplet_id and theirs.job_seq < mine.job_seq
                    join job earlier on earlier.id = theirs.job_id
                    where mine.job_id = j.id
                      and (earlier.state in ('RECEIVED', 'SUBMITTING', 'IN_PROGRESS')
                           or earlier.holds_until > now()))
              -- an earlier tag action not yet listed might act on any Droplet of the account. One
              -- anti-join, probed per candidate: as "has targets and not exists" the planner hashes
              -- every job_target row for the first test, a cost that grows with the backlog.
              and not exists (
                    select 1 from job_target mine
                    join job earlier on not earlier.targets_known and earlier.account = j.account
                                    and earlier.seq < j.seq
                                    and earlier.state in ('RECEIVED', 'SUBMITTING', 'IN_PROGRESS')
                    where mine.job_id = j.id)
            order by j.seq
            limit :limit
            for update of j skip locked
        ), claimed as (
            update job set state = 'SUBMITTING', lease_owner = :owner,
                           lease_expires_at = now() + make_interval(secs => :lease),
                           submitting_at = now(), updated_at = now(),
                           first_submitting_at = coalesce(first_submitting_at, now())
            from due where job.id = due.id
            returning job.id, job.wait_reason
        ), audited as (
            insert into job_transition (job_id, from_state, to_state, at, detail)
            select id, 'RECEIVED', 'SUBMITTING', now(), 'claimed by ' || :owner from claimed
            where wait_reason is null
        )
        select id, wait_reason is not null from claimed""";

    private final EntityManager em;
    private final ObjectMapper mapper;
    private final JobRepository jobs;
    private final JobActionRepository actions;
    private final JobTransitionRepository transitions;
    private final Transitions moves;
    private final Event<JobRecorded> recorded;

    JobStore(EntityManager em, ObjectMapper mapper, JobRepository jobs, JobActionRepository actions,
            JobTransitionRepository transitions, Transitions moves, Event<JobRecorded> recorded) {
        this.em = em;
        this.mapper = mapper;
        this.jobs = jobs;
        this.actions = actions;
        this.transitions = transitions;
        this.moves = moves;
        this.recorded = recorded;
    }

    /**
     * Records a command as a job: RECEIVED, or REJECTED with its event. A command_id seen before is
     * a no-op (a redelivered command is executed once and answered once), also after its job was
     * deleted by retention: its tombstone stays longer than the commands topic keeps records.
     *
     * @return the new job, or empty when the command_id was already known
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<JobView> record(NewJob job) {
        return recordAll(List.of(job)).get(0);
    }

    /**
     * Records a batch of commands as {@link #record(NewJob)} records one, in one statement: the
     * jobs, their Droplets and their first transitions are inserted together, in the batch's order
     * (so the jobs' seq keeps the order of each partition's records), and a command_id seen before,
     * or twice in the batch, is recorded once.
     *
     * @return for each command of the batch, in its order, the new job, or empty when its command_id
     *     was already known
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<Optional<JobView>> recordAll(List<NewJob> batch) {
        if (batch.isEmpty()) {
            return List.of();
        }
        ArrayNode rows = mapper.createArrayNode();
        List<UUID> ids = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            NewJob job = batch.get(i);
            UUID id = UUID.randomUUID();
            ids.add(id);
            JobState initial = job.isRejected() ? JobState.REJECTED : JobState.RECEIVED;
            ObjectNode row = rows.addObject()
                    .put("ord", i)
                    .put("id", id.toString())
                    .put("command_id", job.commandId())
                    .put("command_type", job.commandType())
                    .put("account", job.account())
                    .put("droplet_id", job.dropletId())
                    .put("tag_name", job.tagName())
                    .put("ordering_key", job.orderingKey())
                    .put("state", initial.name())
                    .put("terminal", initial.isTerminal())
                    .put("outcome", initial.isTerminal() ? initial.outcome() : null)
                    .put("topic", job.origin().topic())
                    .put("part", job.origin().partition())
                    .put("off", job.origin().offset())
                    .put("targets_known", targetsKnown(job))
                    .put("trace_parent", job.traceParent());
            row.set("request", job.request());
            row.set("problems", job.problems());
        }
        NativeQuery<?> insert = em.createNativeQuery(RECORD_ALL).unwrap(NativeQuery.class)
                .setParameter("rows", json(rows), StandardBasicTypes.STRING);
        @SuppressWarnings("unchecked")
        Set<UUID> inserted = new HashSet<>((List<UUID>) insert.getResultList());
        Map<UUID, JobView> views = new HashMap<>();
        for (Job created : loaded(inserted)) {
            JobView view = created.view();
            moves.born(created, "received from " + view.origin());
            views.put(created.id, view);
            if (!created.state.isTerminal()) {
                recorded.fire(new JobRecorded(view));
            }
        }
        List<Optional<JobView>> answers = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            JobView view = views.get(ids.get(i));
            if (view == null) {
                NewJob job = batch.get(i);
                try (JobLogContext fields = JobLogContext.ofCommand(job.commandId(), job.dropletId(), job.account())) {
                    LOG.infof("duplicate command ignored: command_id=%s", job.commandId());
                }
            }
            answers.add(Optional.ofNullable(view));
        }
        return answers;
    }

    private static boolean targetsKnown(NewJob job) {
        return job.type() == null || job.isRejected() || job.type().targetsKnownAtIntake();
    }

    /**
     * Claims up to {@code limit} due jobs for this pod: RECEIVED, due, of an account no operator
     * paused, and with no earlier job still on any of its Droplets, so that the worker never runs
     * two of its own actions on one Droplet and runs them in the order their jobs were recorded (a
     * retry's place is at the back: see {@link OperatorLedger#retry}), tag actions and id actions alike. SKIP LOCKED
     * lets every pod claim at once without waiting on each other; the lease lets another pod take
     * over the claim if this one dies. The audit row is written by the same statement (not for a
     * job repeating the wait it is in: see {@link Transitions#wait}).
     */
    @Transactional
    public List<JobView> claimDue(String owner, Duration lease, int limit) {
        return claimDue(owner, lease, limit, Set.of());
    }

    /**
     * As {@link #claimDue(String, Duration, int)}, leaving out jobs of the given accounts (whose
     * rate budget is known to be exhausted, so claiming them would only hand them back).
     */
    @Transactional
    public List<JobView> claimDue(String owner, Duration lease, int limit, Set<String> skippedAccounts) {
        @SuppressWarnings("unchecked")
        List<Object[]> claimed = em.createNativeQuery(CLAIM_DUE)
                .setParameter("limit", limit)
                .setParameter("owner", owner)
                .setParameter("lease", lease.toMillis() / 1000.0)
                // "not in ()" is not SQL; no account is named "" (the command schema forbids it)
                .setParameter("skipped", skippedAccounts.isEmpty() ? List.of("") : List.copyOf(skippedAccounts))
                .getResultList();
        Set<UUID> waiting = new HashSet<>();
        List<UUID> ids = new ArrayList<>();
        for (Object[] row : claimed) {
            ids.add((UUID) row[0]);
            if ((Boolean) row[1]) {
                waiting.add((UUID) row[0]);
            }
        }
        return loaded(ids).stream().map(job -> {
            if (waiting.contains(job.id)) {
                LOG.debugf("job %s claimed by %s again (waiting: %s)", job.id, owner, job.waitReason);
            } else {
                moves.logged(job, JobState.RECEIVED, "claimed by " + owner);
            }
            return job.view();
        }).toList();
    }

    /**
     * A tag action's Droplets, as the worker listed them just before sending it: from now on they
     * count as its own, and whether an earlier job still acts on any of them decides whether it may
     * be sent now.
     *
     * @return true when no earlier job acts on any of them (nor is an earlier tag action unlisted)
     */
    @Transactional
    public boolean listTargets(JobClaim claim, Collection<Long> dropletIds) {
        Job job = em.find(Job.class, claim.jobId(), LockModeType.PESSIMISTIC_WRITE);
        if (job == null || job.state != JobState.SUBMITTING || !claim.owner().equals(job.leaseOwner)) {
            return false;
        }
        moves.letGoOfTargets(job);
        for (Long droplet : new HashSet<>(dropletIds)) {
            em.createNativeQuery("insert into job_target (job_id, droplet_id, job_seq) values (:id, :droplet, :seq)")
                    .setParameter("id", job.id).setParameter("droplet", droplet).setParameter("seq", job.seq)
                    .executeUpdate();
        }
        job.targetsListed();
        em.flush();
        return em.createNativeQuery("""
                select 1 from job j
                where j.id = :id
                  and not exists (
                        select 1 from job_target mine
                        join job_target theirs on theirs.droplet_id = mine.droplet_id and theirs.job_seq < mine.job_seq
                        join job earlier on earlier.id = theirs.job_id
                        where mine.job_id = j.id
                          and (earlier.state in ('RECEIVED', 'SUBMITTING', 'IN_PROGRESS') or earlier.holds_until > now()))
                  and not exists (
                        select 1 from job earlier
                        where not earlier.targets_known and earlier.account = j.account and earlier.seq < j.seq
                          and earlier.state in ('RECEIVED', 'SUBMITTING', 'IN_PROGRESS'))""")
                .setParameter("id", job.id).getResultList().size() == 1;
    }

    /**
     * A pod died (or stalled past its lease) while submitting: the job goes back to RECEIVED. If
     * that claim had sent its POST, the job is marked unconfirmed (the POST may have taken effect),
     * and the attempt counts. A run of waits the claim was part of ends here.
     */
    @Transactional
    public int releaseExpiredLeases() {
        @SuppressWarnings("unchecked")
        List<UUID> released = em.createNativeQuery("""
                with expired as (
                    select id, wait_reason, wait_owner, waits from job
                    where state = 'SUBMITTING' and lease_expires_at < now()
                    for update skip locked
                ), released as (
                    update job set state = 'RECEIVED', lease_owner = null, lease_expires_at = null,
                                   unconfirmed_since = case when sent_at >= submitting_at then now()
                                                            else unconfirmed_since end,
                                   attempts = attempts + case when sent_at >= submitting_at then 1 else 0 end,
                                   next_run_at = now(), updated_at = now(),
                                   wait_reason = null, wait_owner = null, waits = 0
                    from expired where job.id = expired.id
                    returning job.id
                ), ended_waits as (
                    insert into job_transition (job_id, from_state, to_state, at, detail)
                    select id, 'RECEIVED', 'SUBMITTING', now(),
                           'claimed by ' || wait_owner || ' after ' || waits || ' waits (' || wait_reason || ')'
                    from expired where wait_reason is not null
                )
                insert into job_transition (job_id, from_state, to_state, at, detail)
                select id, 'SUBMITTING', 'RECEIVED', clock_timestamp(), 'lease expired' from released
                returning job_id""").getResultList();
        loaded(released).forEach(job -> moves.logged(job, JobState.SUBMITTING, "lease expired; it will be resumed"));
        return released.size();
    }

    /**
     * A pod that is stopping hands back its claims whose request has not gone out: RECEIVED again
     * and due now, nothing counted, so that another pod takes them at once instead of after the
     * lease. A claim whose POST went out (sent_at since the claim) is left alone: its answer may
     * still be on the way, and if it never comes the lease expiry resumes it as unconfirmed. A
     * claim that is not yet sending cannot send after this: {@link #markSending} checks the lease.
     *
     * @return how many claims were released
     */
    @Transactional
    public int releaseUnsentClaims(String owner) {
        @SuppressWarnings("unchecked")
        List<UUID> released = em.createNativeQuery("""
                with unsent as (
                    select id from job
                    where state = 'SUBMITTING' and lease_owner = :owner
                      and (sent_at is null or sent_at < submitting_at)
                    for update skip locked
                ), released as (
                    update job set state = 'RECEIVED', lease_owner = null, lease_expires_at = null,
                                   next_run_at = now(), updated_at = now()
                    from unsent where job.id = unsent.id
                    returning job.id
                )
                insert into job_transition (job_id, from_state, to_state, at, detail)
                select id, 'SUBMITTING', 'RECEIVED', now(), 'released by ' || :owner || ' at shutdown' from released
                returning job_id""")
                .setParameter("owner", owner)
                .getResultList();
        loaded(released).forEach(job -> moves.logged(job, JobState.SUBMITTING, "released at shutdown, not sent"));
        return released.size();
    }

    /** How many SUBMITTING jobs this owner still holds (after a shutdown: the ones whose request went out). */
    @Transactional
    public long claimsHeldBy(String owner) {
        return ((Number) em.createNativeQuery(
                        "select count(*) from job where state = 'SUBMITTING' and lease_owner = :owner")
                .setParameter("owner", owner).getSingleResult()).longValue();
    }

    /**
     * Renews this pod's lease and stamps sent_at, just before a POST. If the lease was lost (this pod
     * stalled and another took the job over), nothing is sent: two pods must never both submit.
     *
     * @return false when the lease is no longer this pod's
     */
    @Transactional
    public boolean markSending(JobClaim claim) {
        return markSending(claim.jobId(), claim.owner(), claim.lease());
    }

    /** As {@link #markSending(JobClaim)}. */
    @Transactional
    public boolean markSending(UUID id, String owner, Duration lease) {
        return !markSendingAll(List.of(new JobClaim(id, owner, lease))).isEmpty();
    }

    /**
     * As {@link #markSending(JobClaim)} for several claims of one owner at once, before their POSTs
     * go out one after the other: one statement renews every lease and stamps every sent_at.
     *
     * @return the ids of the jobs whose lease was still the owner's (the others send nothing)
     */
    @Transactional
    public Set<UUID> markSendingAll(Collection<JobClaim> claims) {
        if (claims.isEmpty()) {
            return Set.of();
        }
        @SuppressWarnings("unchecked")
        List<UUID> marked = em.createNativeQuery("""
                update job set lease_expires_at = now() + make_interval(secs => :lease), sent_at = now(),
                               updated_at = now()
                where id = any(:ids) and lease_owner = :owner and state = 'SUBMITTING' and lease_expires_at > now()
                returning id""")
                .setParameter("lease", sameLease(claims).toMillis() / 1000.0)
                .setParameter("ids", SqlArrays.uuids(claims.stream().map(JobClaim::jobId).toList()))
                .setParameter("owner", sameOwner(claims))
                .getResultList();
        return Set.copyOf(marked);
    }

    /**
     * Takes back the sending mark of claims marked by {@link #markSendingAll} whose POST did not go
     * out after all (the pod is stopping, the budget or a 429 stopped the rest): they are again
     * claims that sent nothing, released at shutdown and cancellable. Only for jobs that had never
     * sent a request before the mark, since it clears sent_at.
     */
    @Transactional
    public void unmarkSending(Collection<JobClaim> claims) {
        if (claims.isEmpty()) {
            return;
        }
        em.createNativeQuery("""
                update job set sent_at = null, updated_at = now()
                where id = any(:ids) and lease_owner = :owner and state = 'SUBMITTING'""")
                .setParameter("ids", SqlArrays.uuids(claims.stream().map(JobClaim::jobId).toList()))
                .setParameter("owner", sameOwner(claims))
                .executeUpdate();
    }

    private static String sameOwner(Collection<JobClaim> claims) {
        return same(claims, JobClaim::owner, "owners");
    }

    private static Duration sameLease(Collection<JobClaim> claims) {
        return same(claims, JobClaim::lease, "leases");
    }

    /** What every claim has alike (they are one pod's, of one lease). */
    private static <T> T same(Collection<JobClaim> claims, Function<JobClaim, T> what, String name) {
        T first = what.apply(claims.iterator().next());
        if (claims.stream().anyMatch(c -> !what.apply(c).equals(first))) {
            throw new IllegalArgumentException("claims of several " + name);
        }
        return first;
    }

    @Transactional
    public Optional<JobView> findByCommandId(String commandId) {
        return jobs.findByCommandId(commandId).map(Job::view);
    }

    @Transactional
    public Optional<JobView> find(UUID id) {
        return jobs.findByIdOptional(id).map(Job::view);
    }

    /** The jobs with these ids, by id; ids of no job are left out. */
    @Transactional
    public Map<UUID, JobView> findAll(Collection<UUID> ids) {
        Map<UUID, JobView> found = new HashMap<>();
        loaded(ids).forEach(job -> found.put(job.id, job.view()));
        return found;
    }

    /** Actions this job's current generation started, in the order they were recorded. */
    @Transactional
    public List<ActionView> actionsOf(UUID jobId) {
        return actions.ofJob(jobId).stream().map(JobAction::view).toList();
    }

    /**
     * For each of these jobs, the actions its current generation started, in the order they were
     * recorded (a job that started none is left out).
     */
    @Transactional
    public Map<UUID, List<ActionView>> actionsOfAll(Collection<UUID> jobIds) {
        Map<UUID, List<ActionView>> byJob = new HashMap<>();
        if (jobIds.isEmpty()) {
            return byJob;
        }
        for (JobAction action : actions.ofJobs(jobIds)) {
            byJob.computeIfAbsent(action.jobId, id -> new ArrayList<>()).add(action.view());
        }
        return byJob;
    }

    @Transactional
    public List<Transition> transitionsOf(UUID jobId) {
        return transitions.ofJob(jobId).stream().map(JobTransition::view).toList();
    }

    /** The database's clock ({@link DatabaseClock}): every pod stamps rows with the same time source. */
    public Instant now() {
        return moves.now();
    }

    /** Open jobs by state, and how long the oldest job not yet submitted has waited. */
    @Transactional
    public Backlog backlog() {
        Map<JobState, Long> open = new EnumMap<>(JobState.class);
        for (JobState state : JobState.values()) {
            if (!state.isTerminal()) {
                open.put(state, 0L);
            }
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                select state, count(*) from job
                where state in ('RECEIVED', 'SUBMITTING', 'IN_PROGRESS') group by state""").getResultList();
        for (Object[] row : rows) {
            open.put(JobState.valueOf((String) row[0]), ((Number) row[1]).longValue());
        }
        Number oldest = (Number) em.createNativeQuery("""
                select coalesce(extract(epoch from (now() - min(received_at))), 0) from job
                where state = 'RECEIVED'""").getSingleResult();
        return new Backlog(open, Duration.ofSeconds(oldest.longValue()));
    }

    /** @param open jobs not yet finished, by state (RECEIVED, SUBMITTING, IN_PROGRESS) */
    public record Backlog(Map<JobState, Long> open, Duration oldestWaiting) {
    }

    private List<Job> loaded(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return SqlArrays.found(em, Job.class, List.copyOf(ids)).stream()
                .sorted(Comparator.comparingLong(job -> job.seq)).toList();
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
