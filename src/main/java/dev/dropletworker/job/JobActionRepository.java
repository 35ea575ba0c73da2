package dev.dropletworker.job;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/** Finders over {@code job_action}. */
@ApplicationScoped
class JobActionRepository implements PanacheRepositoryBase<JobAction, Long> {

    /** The actions the job's current generation started, in the order they were recorded. */
    List<JobAction> ofJob(UUID jobId) {
        // One statement whose translation is cached: one job's actions need no id list loaded after it.
        return list("jobId = ?1 and generation = (select j.generation from Job j where j.id = ?1)", Sort.by("id"),
                jobId);
    }

    /** The actions these jobs' current generations started, in the order they were recorded. */
    List<JobAction> ofJobs(Collection<UUID> jobIds) {
        return SqlArrays.selected(getEntityManager(), """
                select a.id from job_action a join job j on j.id = a.job_id
                where a.job_id = any(:ids) and a.generation = j.generation
                order by a.id""", JobAction.class, SqlArrays.uuids(jobIds));
    }

    /** Every action the job started, over all its generations, in the order they were recorded. */
    List<JobAction> ofEveryGeneration(UUID jobId) {
        return list("jobId", Sort.by("id"), jobId);
    }
}
