package dev.dropletworker.job;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/** Finders over {@code job_action}. */
@ApplicationScoped
class JobActionRepository implements PanacheRepositoryBase<JobAction, Long> {

    /** The actions a job started, in the order they were recorded. */
    List<JobAction> ofJob(UUID jobId) {
        return list("jobId", Sort.by("id"), jobId);
    }
}
