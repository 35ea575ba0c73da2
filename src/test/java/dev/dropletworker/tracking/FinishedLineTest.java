package dev.dropletworker.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dropletworker.digitalocean.Action;
import dev.dropletworker.job.ActionView;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobView;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** An action's end as an INFO line, joined instead of formatted, reads as the formatted one did. */
class FinishedLineTest {

    @Test
    void theLineIsWhatTheFormatGave() {
        UUID id = UUID.randomUUID();
        JobView job = new JobView(id, "cmd-7", "droplet_action", null, "default", 5L, null, null, 1,
                JobState.IN_PROGRESS, null, 1, 0, null, null, null, null, null, null, null, null, null, null, null,
                null, null);
        ActionView row = new ActionView(1L, id, 1, 36804636L, 5L, "reboot", Action.IN_PROGRESS, null, null, null,
                null, 0, 0, null);

        for (String status : new String[] {Action.COMPLETED, Action.ERRORED}) {
            Action action = new Action(36804636L, status, "reboot", null, null, 5L, "droplet", "nyc3");
            assertEquals(String.format("job %s action %d %s command_id=%s droplet_id=%s", id, 36804636L, status,
                    "cmd-7", 5L), ActionFollower.finishedLine(job, row, action));
        }
        assertEquals("job " + id + " action 36804636 completed command_id=cmd-7 droplet_id=null", ActionFollower
                .finishedLine(job, row, new Action(36804636L, Action.COMPLETED, "reboot", null, null, null, null, null)));
    }
}
