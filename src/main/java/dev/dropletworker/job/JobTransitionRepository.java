package dev.dropletworker.job;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/** Finders over {@code job_transition}. */
@ApplicationScoped
class JobTransitionRepository implements PanacheRepositoryBase<JobTransition, Long> {

    List<JobTransition> ofJob(UUID jobId) {
        return list("jobId", Sort.by("id"), jobId);
    }
}
