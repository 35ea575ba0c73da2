package dev.dropletworker.job;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What operators read of the job tables: filtered lists with keyset paging, counts, and a job's
 * whole history. Read-only; every write goes through the ledgers.
 */
@ApplicationScoped
public class JobQueries {

    private final EntityManager em;
    private final JobRepository jobs;
    private final JobActionRepository actions;
    private final JobTransitionRepository transitions;

    JobQueries(EntityManager em, JobRepository jobs, JobActionRepository actions,
            JobTransitionRepository transitions) {
        this.em = em;
        this.jobs = jobs;
        this.actions = actions;
        this.transitions = transitions;
    }

    /**
     * Jobs matching {@code filter}, newest first (received_at, then id, both descending), at most
     * {@code limit}, starting after {@code after} (null: from the newest). One more row than asked
     * for is read to know whether a next page exists.
     */
    @Transactional
    public JobPage list(JobFilter filter, JobCursor after, int limit) {
        StringBuilder sql = new StringBuilder("select j.id from job j where true");
        Map<String, Object> params = new HashMap<>();
        if (filter.state() != null) {
            sql.append(" and j.state = :state");
            params.put("state", filter.state().name());
        }
        if (filter.outcome() != null) {
            sql.append(" and j.outcome = :outcome");
            params.put("outcome", filter.outcome());
        }
        if (filter.commandType() != null) {
            sql.append(" and j.command_type = :commandType");
            params.put("commandType", filter.commandType());
        }
        if (filter.account() != null) {
            sql.append(" and j.account = :account");
            params.put("account", filter.account());
        }
        if (filter.dropletId() != null) {
            // A create's Droplets and a tag action's Droplets are known by their actions' resource ids.
            sql.append(" and (j.droplet_id = :droplet or exists (select 1 from job_action a"
                    + " where a.job_id = j.id and a.droplet_id = :droplet))");
            params.put("droplet", filter.dropletId());
        }
        if (filter.tag() != null) {
            // jsonb_exists is the function behind the ? operator, which JDBC would read as a parameter.
            sql.append(" and (j.tag_name = :tag or (j.command_type = 'droplet.create'"
                    + " and jsonb_exists(coalesce(j.request -> 'tags', '[]'::jsonb), :tag)))");
            params.put("tag", filter.tag());
        }
        if (filter.receivedFrom() != null) {
            sql.append(" and j.received_at >= :from");
            params.put("from", filter.receivedFrom());
        }
        if (filter.receivedBefore() != null) {
            sql.append(" and j.received_at < :before");
            params.put("before", filter.receivedBefore());
        }
        if (after != null) {
            sql.append(" and (j.received_at, j.id) < (:afterAt, :afterId)");
            params.put("afterAt", after.receivedAt());
            params.put("afterId", after.id());
        }
        sql.append(" order by j.received_at desc, j.id desc limit :limit");
        Query query = em.createNativeQuery(sql.toString()); // no result class: see DatabaseClock#now
        params.forEach(query::setParameter);
        query.setParameter("limit", limit + 1);
        @SuppressWarnings("unchecked")
        List<UUID> ids = query.getResultList();
        boolean more = ids.size() > limit;
        List<UUID> page = more ? ids.subList(0, limit) : ids;
        Map<UUID, Job> loaded = page.isEmpty() ? Map.of()
                : jobs.list("id in ?1", page).stream().collect(Collectors.toMap(j -> j.id, Function.identity()));
        List<JobView> views = new ArrayList<>();
        page.forEach(id -> views.add(loaded.get(id).view()));
        JobView last = views.isEmpty() ? null : views.get(views.size() - 1);
        return new JobPage(views, more ? new JobCursor(last.receivedAt(), last.id()) : null);
    }

    /** How many jobs are in each state and have each outcome (every state listed, zeros too). */
    @Transactional
    public Counts counts() {
        Map<JobState, Long> byState = new EnumMap<>(JobState.class);
        for (JobState state : JobState.values()) {
            byState.put(state, 0L);
        }
        Map<String, Long> byOutcome = new TreeMap<>();
        for (JobState state : JobState.values()) {
            if (state.isTerminal()) {
                byOutcome.put(state.outcome(), 0L);
            }
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("select state, outcome, count(*) from job group by state, outcome")
                .getResultList();
        for (Object[] row : rows) {
            long n = ((Number) row[2]).longValue();
            byState.merge(JobState.valueOf((String) row[0]), n, Long::sum);
            if (row[1] != null) {
                byOutcome.merge((String) row[1], n, Long::sum);
            }
        }
        return new Counts(byState, byOutcome);
    }

    /** @param byOutcome finished jobs by outcome ({@code completed}, {@code failed}, ...) */
    public record Counts(Map<JobState, Long> byState, Map<String, Long> byOutcome) {
    }

    /** Jobs of an account waiting to be submitted (RECEIVED). */
    @Transactional
    public long waiting(String account) {
        return jobs.count("account = ?1 and state = ?2", account, JobState.RECEIVED);
    }

    @Transactional
    public Optional<JobView> find(UUID id) {
        return jobs.findByIdOptional(id).map(Job::view);
    }

    @Transactional
    public Optional<JobView> findByCommandId(String commandId) {
        return jobs.findByCommandId(commandId).map(Job::view);
    }

    /** Every action the job started, over all its generations, in the order they were recorded. */
    @Transactional
    public List<ActionView> actionsOfEveryGeneration(UUID jobId) {
        return actions.ofEveryGeneration(jobId).stream().map(JobAction::view).toList();
    }

    /** The job's transitions, oldest first. */
    @Transactional
    public List<Transition> transitionsOf(UUID jobId) {
        return transitions.ofJob(jobId).stream().map(JobTransition::view).toList();
    }
}
