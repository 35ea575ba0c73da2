package dev.dropletworker.job;

/**
 * What an operator's request on a job (retry, cancel) came to: done, refused with the reason the
 * operator reads, or no such job.
 */
public sealed interface Intervention {

    /** Done; the job as it now stands. */
    record Done(JobView job) implements Intervention {
    }

    /** Not done, and why, in words for the operator (never a token or a request body). */
    record Refused(JobView job, String reason) implements Intervention {
    }

    record NoSuchJob() implements Intervention {
    }
}
