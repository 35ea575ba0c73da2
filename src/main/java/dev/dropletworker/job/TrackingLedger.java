package dev.dropletworker.job;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.digitalocean.Action;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * The tracking side of the job tables: which actions each job follows, claiming their polls,
 * recording what each poll saw, and ending the job once they have all finished. When to poll is
 * tracking's decision; this class records it.
 */
@ApplicationScoped
public class TrackingLedger {

    private final EntityManager em;
    private final Transitions moves;
    private final SubmissionLedger submissions;

    TrackingLedger(EntityManager em, Transitions moves, SubmissionLedger submissions) {
        this.em = em;
        this.moves = moves;
        this.submissions = submissions;
    }

    /**
     * DigitalOcean accepted the claim's request (or an earlier attempt's was found): the job is
     * IN_PROGRESS, following these actions, each first polled {@code untilFirstPoll} (of its type)
     * from now. Nothing is
     * recorded if the claim's lease was lost.
     *
     * @param createdDroplets for a create, the Droplets as the answer returned them; null otherwise
     * @param attempt whether this claim was an attempt (else a look after the last one, which found them)
     * @return false when the lease was lost
     */
    @Transactional
    public boolean follow(JobClaim claim, List<Action> actions, Function<String, Duration> untilFirstPoll,
            JsonNode createdDroplets, String detail, boolean attempt) {
        return followAll(List.of(new Follow(claim, actions, createdDroplets, detail, attempt)), untilFirstPoll) == 1;
    }

    /** One claim's hand-over to tracking, for {@link #followAll}: what {@link #follow} records. */
    public record Follow(JobClaim claim, List<Action> actions, JsonNode createdDroplets, String detail,
            boolean attempt) {
    }

    /**
     * Records several claims' hand-overs as {@link #follow} records each, in one transaction (their
     * jobs locked by one query). A claim whose lease was lost is left out.
     *
     * @return how many were recorded
     */
    @Transactional
    public int followAll(List<Follow> follows, Function<String, Duration> untilFirstPoll) {
        Map<UUID, Job> leased = submissions.leasedAll(follows.stream().map(Follow::claim).toList());
        Instant now = moves.now();
        int recorded = 0;
        for (Follow follow : follows) {
            Job job = leased.get(follow.claim().jobId());
            if (job == null) {
                continue;
            }
            for (Action action : follow.actions()) {
                em.persist(JobAction.following(job.id, job.generation, action,
                        now.plus(untilFirstPoll.apply(action.type()))));
            }
            if (follow.createdDroplets() != null) {
                job.keepCreatedDroplets(follow.createdDroplets());
            }
            SubmissionLedger.count(job, follow.attempt());
            moves.move(job, JobState.IN_PROGRESS, follow.detail());
            recorded++;
        }
        return recorded;
    }

    /**
     * Claims actions due for a poll. Pushing next_poll_at forward is the claim: another pod skips
     * the row until then, and if this pod dies the poll simply happens later.
     */
    @Transactional
    public List<ActionView> claimDuePolls(Duration lease, int limit) {
        @SuppressWarnings("unchecked")
        List<Long> ids = em.createNativeQuery("""
                update job_action set next_poll_at = now() + make_interval(secs => :lease)
                where id in (
                    select a.id from job_action a
                    where a.status = 'in-progress' and a.next_poll_at <= now()
                      and exists (select 1 from job j where j.id = a.job_id and j.generation = a.generation
                                  and (j.state = 'IN_PROGRESS' or j.holds_until > now()))
                    order by a.next_poll_at
                    limit :limit
                    for update skip locked)
                returning id""")
                .setParameter("lease", lease.toMillis() / 1000.0)
                .setParameter("limit", limit)
                .getResultList();
        if (ids.isEmpty()) {
            return List.of();
        }
        return SqlArrays.found(em, JobAction.class, ids).stream()
                .sorted(Comparator.comparing((JobAction row) -> row.nextPollAt).thenComparing(row -> row.id))
                .map(JobAction::view).toList();
    }

    /** How many actions each account has in flight (all pods' together), held ones included. */
    @Transactional
    public Map<String, Long> inFlightByAccount() {
        @SuppressWarnings("unchecked")
        List<Object[]> counts = em.createNativeQuery("""
                select j.account, count(*) from job_action a join job j on j.id = a.job_id
                where a.status = 'in-progress' and (j.state = 'IN_PROGRESS' or j.holds_until > now())
                  and a.generation = j.generation
                group by j.account""").getResultList();
        Map<String, Long> byAccount = new HashMap<>();
        counts.forEach(c -> byAccount.put((String) c[0], ((Number) c[1]).longValue()));
        return byAccount;
    }

    /** How many of an account's actions the worker knows to be newer than its newest and its oldest due one. */
    public record NewerActions(long thanNewest, long thanOldest) {
    }

    /**
     * How many of the account's actions this worker knows to be newer than action {@code newestId}
     * and than action {@code oldestId} (DigitalOcean's action ids grow with time, and its list puts
     * the newest first): at least that many come before each in the account's action list.
     */
    @Transactional
    public NewerActions actionsNewerThan(String account, long newestId, long oldestId) {
        Object[] counts = (Object[]) em.createNativeQuery("""
                select count(*) filter (where a.action_id > :newest), count(*)
                from job_action a join job j on j.id = a.job_id
                where a.action_id > :oldest and j.account = :account""")
                .setParameter("newest", newestId).setParameter("oldest", oldestId).setParameter("account", account)
                .getSingleResult();
        return new NewerActions(((Number) counts[0]).longValue(), ((Number) counts[1]).longValue());
    }

    /**
     * Claims the account's next read of its action list, which serves every action in flight on
     * it whichever pod submitted them: it goes to one pod at a time, for {@code lease}, once it is
     * due.
     *
     * @return whether this pod now holds it
     */
    @Transactional
    public boolean claimListRead(String account, Duration lease) {
        return !em.createNativeQuery("""
                insert into account_list_read as r (account, next_read_at, leased_until)
                values (:account, now(), now() + make_interval(secs => :lease))
                on conflict (account) do update set leased_until = excluded.leased_until
                where r.next_read_at <= now() and (r.leased_until is null or r.leased_until < now())
                returning account""")
                .setParameter("account", account)
                .setParameter("lease", lease.toMillis() / 1000.0)
                .getResultList().isEmpty();
    }

    /**
     * How long until the account's next list read is due (zero if it is), or null while a pod holds
     * it (the read is being made now).
     */
    @Transactional
    public Duration untilListRead(String account) {
        List<?> seconds = em.createNativeQuery("""
                select greatest(0, extract(epoch from next_read_at - now())) from account_list_read
                where account = :account and (leased_until is null or leased_until < now())""")
                .setParameter("account", account).getResultList();
        if (seconds.isEmpty()) {
            return null;
        }
        return Duration.ofMillis((long) (((Number) seconds.get(0)).doubleValue() * 1000));
    }

    /** This pod made the account's list read it held; the next one is due {@code untilNext} from now. */
    @Transactional
    public void listReadDone(String account, Duration untilNext) {
        em.createNativeQuery("""
                update account_list_read set next_read_at = now() + make_interval(secs => :delay), leased_until = null
                where account = :account""")
                .setParameter("delay", untilNext.toMillis() / 1000.0)
                .setParameter("account", account)
                .executeUpdate();
    }

    /**
     * How long each action type took, over the actions that completed in the last {@code window}:
     * the median from DigitalOcean's started_at to its completed_at, by type, for the types with at
     * least {@code minSamples} such actions.
     */
    @Transactional
    public Map<String, Duration> observedDurations(Duration window, int minSamples) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                select type, percentile_cont(0.5) within group (order by extract(epoch from (completed_at - started_at)))
                from job_action
                where status = 'completed' and type is not null and started_at is not null
                  and completed_at >= started_at and completed_at > now() - make_interval(secs => :window)
                group by type
                having count(*) >= :samples""")
                .setParameter("window", window.toSeconds())
                .setParameter("samples", minSamples)
                .getResultList();
        Map<String, Duration> medians = new HashMap<>();
        rows.forEach(r -> medians.put((String) r[0], Duration.ofMillis((long) (((Number) r[1]).doubleValue() * 1000))));
        return medians;
    }

    /** The in-progress rows, by action id, that follow any of {@code actionIds} on {@code account}. */
    @Transactional
    public Map<Long, ActionView> inProgressFollowing(String account, Collection<Long> actionIds) {
        if (actionIds.isEmpty()) {
            return Map.of();
        }
        @SuppressWarnings("unchecked")
        List<JobAction> rows = em.createNativeQuery("""
                select a.* from job_action a join job j on j.id = a.job_id
                where a.generation = j.generation and a.status = 'in-progress' and j.account = :account
                  and (j.state = 'IN_PROGRESS' or j.holds_until > :now)
                  and a.action_id = any(:ids)""", JobAction.class)
                .setParameter("now", Instant.now())
                .setParameter("account", account)
                .setParameter("ids", SqlArrays.longs(actionIds))
                .getResultList();
        Map<Long, ActionView> byAction = new HashMap<>();
        rows.forEach(r -> byAction.put(r.actionId, r.view()));
        return byAction;
    }

    /**
     * Which of these DigitalOcean actions some job already follows, in one query: an action some
     * job follows is not the answer to another's lost request.
     */
    @Transactional
    public Set<Long> alreadyFollowed(Collection<Long> actionIds) {
        if (actionIds.isEmpty()) {
            return Set.of();
        }
        @SuppressWarnings("unchecked")
        List<Number> followed = em.createNativeQuery("select action_id from job_action where action_id = any(:ids)")
                .setParameter("ids", SqlArrays.longs(actionIds)).getResultList();
        return followed.stream().map(Number::longValue).collect(Collectors.toSet());
    }

    /**
     * Records what a poll saw.
     *
     * @param untilNextPoll given this action's polls so far (this one included), how long until the next
     * @return true when this poll saw the action finish (false if it had already been recorded finished)
     */
    @Transactional
    public boolean recordPoll(long rowId, Action action, IntFunction<Duration> untilNextPoll) {
        return recordPolls(Map.of(rowId, action), untilNextPoll).contains(rowId);
    }

    /**
     * Records what one read showed of several actions (or a poll of one), in one transaction: the
     * rows are locked by one query in the order of their ids, so that two pods recording
     * overlapping reads never wait on each other in a circle, then the jobs of those that finished
     * by another, and only the jobs holding their Droplets after a timeout are looked at again.
     *
     * @param actions what the read showed, by the row following each action
     * @return the rows whose action this read saw finish
     */
    @Transactional
    public Set<Long> recordPolls(Map<Long, Action> actions, IntFunction<Duration> untilNextPoll) {
        if (actions.isEmpty()) {
            return Set.of();
        }
        List<JobAction> rows = SqlArrays.selected(em,
                "select id from job_action where id = any(:ids) order by id for update", JobAction.class,
                SqlArrays.longs(actions.keySet()));
        Instant now = moves.now();
        Set<Long> finished = new HashSet<>();
        Set<UUID> jobsOfFinished = new HashSet<>();
        for (JobAction row : rows) {
            if (!row.inProgress()) {
                continue;
            }
            row.recordPoll(actions.get(row.id), now, untilNextPoll);
            if (!row.inProgress()) {
                finished.add(row.id);
                jobsOfFinished.add(row.jobId);
            }
        }
        if (!jobsOfFinished.isEmpty()) {
            // Locked, so that a timeout holding one of them waits for this, in the order of their
            // ids; only the ones holding their Droplets are looked at again.
            @SuppressWarnings("unchecked")
            List<Object[]> locked = em.createNativeQuery(
                            "select id, holds_until is not null from job where id = any(:ids) order by id for update")
                    .setParameter("ids", SqlArrays.uuids(jobsOfFinished))
                    .getResultList();
            locked.stream().filter(job -> (Boolean) job[1]).forEach(job -> letGoIfHeldAndDone((UUID) job[0]));
        }
        return finished;
    }

    /** A job that timed out lets go of its Droplets once DigitalOcean shows its last action finished. */
    private void letGoIfHeldAndDone(UUID jobId) {
        Job job = em.find(Job.class, jobId, LockModeType.PESSIMISTIC_WRITE);
        if (job == null || !job.holding() || !job.state.isTerminal()) {
            return;
        }
        em.flush();
        long running = em.createQuery("select count(a) from JobAction a where a.jobId = :job and a.status = 'in-progress'"
                + " and a.generation = :generation", Long.class).setParameter("job", jobId)
                .setParameter("generation", job.generation).getSingleResult();
        if (running == 0) {
            job.letGo();
            moves.letGoOfTargets(job);
        }
    }

    /**
     * A poll that failed.
     *
     * @param retryIn given the consecutive failures so far (this one included), how long until the next try
     * @return the consecutive failures of this action's polls so far
     */
    @Transactional
    public int recordPollFailure(long rowId, IntFunction<Duration> retryIn) {
        JobAction row = em.find(JobAction.class, rowId, LockModeType.PESSIMISTIC_WRITE);
        row.recordPollFailure(moves.now(), retryIn);
        return row.pollFailures;
    }

    /** Polls that could not be made this round (no budget): due again after {@code delay}, nothing counted. */
    @Transactional
    public void reschedulePolls(Collection<Long> rowIds, Duration delay) {
        if (rowIds.isEmpty()) {
            return;
        }
        em.createNativeQuery("""
                update job_action set next_poll_at = now() + make_interval(secs => :delay)
                where id = any(:ids) and status = 'in-progress'""")
                .setParameter("delay", delay.toMillis() / 1000.0)
                .setParameter("ids", SqlArrays.longs(rowIds))
                .executeUpdate();
    }

    /**
     * Claims IN_PROGRESS jobs whose actions have all finished, for the final read and the event.
     * The job lease keeps two pods from finishing the same job at once.
     */
    @Transactional
    public List<UUID> claimFinishable(String owner, Duration lease, int limit) {
        @SuppressWarnings("unchecked")
        List<UUID> ids = em.createNativeQuery("""
                update job set lease_owner = :owner, lease_expires_at = now() + make_interval(secs => :lease)
                where id in (
                    select j.id from job j
                    where j.state = 'IN_PROGRESS'
                      and (j.lease_expires_at is null or j.lease_expires_at < now())
                      and not exists (select 1 from job_action a where a.job_id = j.id and a.generation = j.generation
                                      and a.status = 'in-progress')
                    limit :limit
                    for update skip locked)
                returning id""")
                .setParameter("owner", owner)
                .setParameter("lease", lease.toMillis() / 1000.0)
                .setParameter("limit", limit)
                .getResultList();
        return ids;
    }

    /**
     * A created Droplet could not be read yet (it may still 404 after its create).
     *
     * @return how many final reads of it failed in a row
     */
    @Transactional
    public int recordFinalReadFailure(long rowId) {
        return em.find(JobAction.class, rowId, LockModeType.PESSIMISTIC_WRITE).finalReadFailed();
    }

    /** Keeps a created Droplet's final read, so a later round need not read it again. */
    @Transactional
    public void recordDroplet(long rowId, JsonNode droplet) {
        em.find(JobAction.class, rowId).keepDroplet(droplet);
    }

    /** The final read must wait: let this or another pod try again after {@code delay}, not after the whole lease. */
    @Transactional
    public void postponeFinish(UUID jobId, Duration delay) {
        em.createNativeQuery("""
                update job set lease_expires_at = now() + make_interval(secs => :delay)
                where id = :id and state = 'IN_PROGRESS'""")
                .setParameter("delay", delay.toMillis() / 1000.0)
                .setParameter("id", jobId)
                .executeUpdate();
    }

    /**
     * IN_PROGRESS jobs with an action still running past its type's tracking timeout, counted from
     * when the action started (when tracking began, if DigitalOcean gave no start), each with the
     * type of that action.
     *
     * @param timeout the timeout of an action type
     * @param shortest the shortest of them: actions running for less are not even looked at
     */
    @Transactional
    public Map<UUID, String> timedOut(Function<String, Duration> timeout, Duration shortest, int limit) {
        @SuppressWarnings("unchecked")
        List<Object[]> running = em.createNativeQuery("""
                select j.id, a.type, extract(epoch from (now() - coalesce(a.started_at, j.in_progress_at)))
                from job j join job_action a on a.job_id = j.id
                where j.state = 'IN_PROGRESS' and a.status = 'in-progress' and a.generation = j.generation
                  and coalesce(a.started_at, j.in_progress_at) < now() - make_interval(secs => :shortest)""")
                .setParameter("shortest", shortest.toMillis() / 1000.0)
                .getResultList();
        Map<UUID, String> over = new LinkedHashMap<>();
        for (Object[] row : running) {
            double seconds = ((Number) row[2]).doubleValue();
            String type = (String) row[1];
            if (seconds * 1000 >= timeout.apply(type).toMillis() && over.size() < limit) {
                over.putIfAbsent((UUID) row[0], type);
            }
        }
        return over;
    }

    /**
     * An action outran its timeout: the job ends FAILED with its event, but while an action of it
     * is still running at DigitalOcean its Droplets stay held (no job behind it is sent) for at most
     * {@code holdFor}, and tracking goes on reading the action; a completion seen later is recorded
     * on the action's row and lets the Droplets go.
     *
     * @return false when the job had already ended
     */
    @Transactional
    public boolean timeOut(UUID jobId, Failure failure, Duration holdFor, String detail) {
        Job job = em.find(Job.class, jobId, LockModeType.PESSIMISTIC_WRITE);
        if (job == null || job.state.isTerminal()) {
            return false;
        }
        job.holdUntil(moves.now().plus(holdFor));
        job.recordFailure(failure);
        moves.move(job, JobState.FAILED, detail);
        return true;
    }

    /**
     * How a job whose actions have all finished ends: {@code terminal}, with no failure and no result.
     *
     * @param generation the generation whose actions were read
     * @param actions that generation's actions, as read to decide the end: its event reports them
     */
    public record Ending(UUID jobId, JobState terminal, String detail, int generation, List<ActionView> actions) {
        public Ending {
            actions = List.copyOf(actions);
        }
    }

    /**
     * Ends these jobs as {@link #finish} ends each, in one transaction: their jobs locked by one query
     * in the order of their ids, their Droplets let go of by one statement. If one cannot be ended,
     * none is (the caller then ends them one at a time).
     *
     * @return how many ended now (the others had already ended)
     */
    @Transactional
    public int finishAll(List<Ending> endings) {
        if (endings.isEmpty()) {
            return 0;
        }
        Map<UUID, Ending> byJob = new HashMap<>();
        endings.forEach(ending -> byJob.put(ending.jobId(), ending));
        List<Transitions.End> ends = new ArrayList<>();
        for (Job job : submissions.lockInIdOrder(byJob.keySet())) {
            if (!job.state.isTerminal()) {
                Ending ending = byJob.get(job.id);
                ends.add(new Transitions.End(job, ending.terminal(), ending.detail(), readFor(job, ending)));
            }
        }
        moves.endAll(ends);
        return ends.size();
    }

    /**
     * Ends an IN_PROGRESS job with its outcome and its event, unless another pod or an earlier call
     * already did.
     *
     * @param failure for FAILED, why; null otherwise
     * @param result the event's extra data (a create's Droplets as read at the end), or null
     * @return false when the job had already ended
     */
    @Transactional
    public boolean finish(UUID jobId, JobState terminal, Failure failure, JsonNode result, String detail) {
        Job job = em.find(Job.class, jobId, LockModeType.PESSIMISTIC_WRITE);
        if (job == null || job.state.isTerminal()) {
            return false;
        }
        if (failure != null) {
            job.recordFailure(failure);
        }
        if (result != null) {
            job.keepResult(result);
        }
        moves.end(job, terminal, detail, null);
        return true;
    }

    /** The actions read for an ending, unless they were another generation's (an operator's retry came between). */
    private static List<ActionView> readFor(Job job, Ending read) {
        return read.generation() == job.generation ? read.actions() : null;
    }
}
