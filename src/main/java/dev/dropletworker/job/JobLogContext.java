package dev.dropletworker.job;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.MDC;

/**
 * A job's fields in the logging MDC ({@code job_id}, {@code command_id}, {@code droplet_id},
 * {@code account}) while work on that job runs, so that every line logged meanwhile, by any layer,
 * carries them: as JSON fields in production, where logs are searched by them. Opened with
 * try-with-resources; closing restores what was there before, so contexts nest.
 */
public final class JobLogContext implements AutoCloseable {

    public static final String JOB_ID = "job_id";
    public static final String COMMAND_ID = "command_id";
    public static final String DROPLET_ID = "droplet_id";
    public static final String ACCOUNT = "account";

    private final Map<String, Object> previous = new HashMap<>();

    private JobLogContext(UUID jobId, String commandId, Long dropletId, String account) {
        put(JOB_ID, jobId == null ? null : jobId.toString());
        put(COMMAND_ID, commandId);
        put(DROPLET_ID, dropletId == null ? null : dropletId.toString());
        put(ACCOUNT, account);
    }

    public static JobLogContext of(JobView job) {
        return new JobLogContext(job.id(), job.commandId(), job.dropletId(), job.account());
    }

    /** A command not yet (or never) recorded as a job: intake knows no job id. */
    public static JobLogContext ofCommand(String commandId, Long dropletId, String account) {
        return new JobLogContext(null, commandId, dropletId, account);
    }

    static JobLogContext of(Job job) {
        return new JobLogContext(job.id, job.commandId, job.dropletId, job.account);
    }

    /** Only fields that are known are set; one that is not keeps whatever an outer context gave. */
    private void put(String key, String value) {
        if (value == null) {
            return;
        }
        previous.put(key, MDC.get(key));
        MDC.put(key, value);
    }

    @Override
    public void close() {
        previous.forEach((key, value) -> {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        });
    }
}
