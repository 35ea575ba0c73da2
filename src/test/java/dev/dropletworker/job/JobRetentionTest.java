package dev.dropletworker.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Finished jobs do not pile up, and a command_id outlives its job. */
@QuarkusTest
class JobRetentionTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final RecordOrigin ORIGIN = new RecordOrigin("test", 0, 0);

    @Inject
    JobStore jobs;

    @Inject
    JobRetention retention;

    @Inject
    EntityManager em;

    @Test
    void aFinishedJobIsDeletedAfterItsRetentionAndItsCommandIdIsStillKnown() {
        String commandId = "retained-" + UUID.randomUUID();
        UUID id = QuarkusTransaction.requiringNew().call(() -> jobs.record(rejected(commandId))).orElseThrow().id();
        // Its event published, it finished eight days ago: past the 7 days finished jobs are kept.
        Awaitility.await().until(() -> QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                "select count(*) from outbox_event where job_id = :id and sent_at is not null")
                .setParameter("id", id).getSingleResult()).toString().equals("1"));
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "update job set finished_at = now() - interval '8 days' where id = :id").setParameter("id", id)
                .executeUpdate());

        Awaitility.await().until(() -> {
            retention.deleteOld();
            return jobs.find(id).isEmpty();
        });

        assertEquals(0, count("select count(*) from job_transition where job_id = '" + id + "'"));
        assertEquals(0, count("select count(*) from outbox_event where job_id = '" + id + "'"));
        assertEquals(1, count("select count(*) from command_tombstone where command_id = '" + commandId + "'"));
        boolean again = QuarkusTransaction.requiringNew().call(() -> jobs.record(rejected(commandId))).isPresent();
        assertFalse(again, "the same command read again is still known, its job gone");
    }

    @Test
    void aJobWhoseEventIsNotPublishedIsKept() {
        String commandId = "unpublished-" + UUID.randomUUID();
        UUID id = QuarkusTransaction.requiringNew().call(() -> jobs.record(rejected(commandId))).orElseThrow().id();
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("update job set finished_at = now() - interval '8 days' where id = :id")
                    .setParameter("id", id).executeUpdate();
            em.createNativeQuery("update outbox_event set parked_at = now(), sent_at = null where job_id = :id")
                    .setParameter("id", id).executeUpdate();
        });

        retention.deleteOld();

        assertTrue(jobs.find(id).isPresent(), "a parked event keeps its job for an operator");
    }

    private long count(String sql) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(sql).getSingleResult()))
                .longValue();
    }

    private static NewJob rejected(String commandId) {
        return NewJob.rejected(commandId, "test.retained", "default", null, MAPPER.createArrayNode().add("x"), ORIGIN);
    }
}
