package dev.dropletworker.job;

import java.util.List;

/**
 * One page of the job list, newest first.
 *
 * @param next where the following page starts; null on the last page
 */
public record JobPage(List<JobView> jobs, JobCursor next) {
}
