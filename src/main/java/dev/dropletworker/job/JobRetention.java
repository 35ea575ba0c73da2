package dev.dropletworker.job;

import dev.dropletworker.lifecycle.RoleLoop;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/**
 * Deletes finished jobs once they are old enough, in batches, one pod at a time (a transaction
 * advisory lock: the others skip their round), leaving a tombstone of each command_id; and the
 * tombstones once they are older than the commands topic keeps records.
 */
@ApplicationScoped
class JobRetention {

    private static final Logger LOG = Logger.getLogger(JobRetention.class);
    /** The advisory lock every pod's retention round tries; any constant the worker uses only here. */
    private static final long LOCK = 0x64726f706c6574L;

    private final EntityManager em;
    private final RetentionConfig config;
    private RoleLoop loop;

    JobRetention(EntityManager em, RetentionConfig config) {
        this.em = em;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        loop = new RoleLoop("retention", config.interval(), this::deleteOld).start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (loop != null) {
            loop.close();
        }
    }

    /** @return rows deleted; a full batch makes the loop go again at once */
    @Transactional
    int deleteOld() {
        boolean mine = (Boolean) em.createNativeQuery("select pg_try_advisory_xact_lock(:lock)")
                .setParameter("lock", LOCK).getSingleResult();
        if (!mine) {
            return 0;
        }
        // Actions, history, targets and the published event go with their job (on delete cascade).
        int jobs = ((Number) em.createNativeQuery("""
                with old as (
                    select j.id from job j
                    where j.finished_at < now() - make_interval(secs => :keep)
                      and (j.holds_until is null or j.holds_until < now())
                      and not exists (select 1 from outbox_event e where e.job_id = j.id and e.sent_at is null)
                    order by j.finished_at
                    limit :batch
                    for update skip locked
                ), gone as (
                    delete from job where id in (select id from old) returning command_id, finished_at
                ), kept as (
                    insert into command_tombstone (command_id, finished_at)
                    select command_id, finished_at from gone
                    on conflict (command_id) do nothing
                )
                select count(*) from gone""")
                .setParameter("keep", config.finishedJobs().toSeconds())
                .setParameter("batch", config.batchSize())
                .getSingleResult()).intValue();
        int tombstones = em.createNativeQuery("""
                delete from command_tombstone where command_id in (
                    select command_id from command_tombstone
                    where finished_at < now() - make_interval(secs => :keep)
                    limit :batch)""")
                .setParameter("keep", config.commandIds().toSeconds())
                .setParameter("batch", config.batchSize())
                .executeUpdate();
        if (jobs > 0 || tombstones > 0) {
            LOG.infof("retention: %d finished jobs and %d command_id tombstones deleted", jobs, tombstones);
        }
        return jobs == config.batchSize() || tombstones == config.batchSize() ? jobs + tombstones : 0;
    }
}
