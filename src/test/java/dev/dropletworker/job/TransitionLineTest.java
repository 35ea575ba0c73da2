package dev.dropletworker.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A transition's INFO line, joined instead of formatted, reads as the formatted one did. */
class TransitionLineTest {

    private static final String FORMAT = "job %s %s -> %s command_id=%s droplet_id=%s attempts=%d%s";

    @Test
    void aNewJobsLineNamesItsCommandAndDroplet() {
        Job job = job(42L, 0);

        assertEquals("job " + job.id + " new -> RECEIVED command_id=cmd-1 droplet_id=42 attempts=0",
                Transitions.line(job, null, JobState.RECEIVED, null));
    }

    @Test
    void theLineIsWhatTheFormatGaveWithAndWithoutDetailOrDroplet() {
        Job job = job(1234567L, 3);
        Job tagged = job(null, 12);

        assertEquals(String.format(FORMAT, job.id, JobState.SUBMITTING, JobState.IN_PROGRESS, "cmd-1", 1234567L, 3,
                " (action 99 started)"),
                Transitions.line(job, JobState.SUBMITTING, JobState.IN_PROGRESS, "action 99 started"));
        assertEquals(String.format(FORMAT, tagged.id, "new", JobState.RECEIVED, "cmd-1", null, 12, ""),
                Transitions.line(tagged, null, JobState.RECEIVED, null));
    }

    private static Job job(Long dropletId, int attempts) {
        Job job = new Job();
        job.id = UUID.randomUUID();
        job.commandId = "cmd-1";
        job.dropletId = dropletId;
        job.attempts = attempts;
        return job;
    }
}
