package dev.dropletworker.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.job.ActionView;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobView;
import dev.dropletworker.job.Transition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A job with everything the worker knows about it: its actions, Droplets, transitions and error. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@Schema(name = "Job")
record JobDetail(
        UUID id,
        String commandId,
        String commandType,
        String account,
        String state,
        String outcome,
        int generation,
        @Schema(description = "The CloudEvent id of this generation's completion event (the job id for generation 1)")
        UUID eventId,
        int attempts,
        Long dropletId,
        String tagName,
        @Schema(description = "The DigitalOcean request as the command gave it; a create's user_data is not shown")
        JsonNode request,
        Instant receivedAt,
        @Schema(description = "When this generation was first claimed for submission")
        Instant firstSubmittingAt,
        @Schema(description = "When DigitalOcean accepted this generation's request")
        Instant inProgressAt,
        Instant finishedAt,
        @Schema(description = "When the latest request went out; a job with one cannot be cancelled")
        Instant sentAt,
        @Schema(description = "When the answer to that request was found lost (the worker looks before sending again)")
        Instant unconfirmedSince,
        ErrorEntry error,
        @Schema(description = "For a rejected command, each problem (pointer, message)")
        JsonNode problems,
        @Schema(description = "For a create, each Droplet: id, name, status, networks, create action")
        JsonNode droplets,
        @Schema(description = "Every action the job started, over all generations, in order")
        List<ActionEntry> actions,
        @Schema(description = "Every state change, oldest first")
        List<TransitionEntry> transitions,
        @Schema(description = "Whether an operate key may retry it now (failed or errored)")
        boolean retryable,
        @Schema(description = "Whether an operate key may cancel it now (not finished, nothing ever sent)")
        boolean cancellable,
        @Schema(description = "Where intake read the command: topic-partition@offset")
        String origin) {

    static JobDetail of(JobView job, List<ActionView> actions, List<Transition> transitions) {
        JsonNode droplets = job.result() == null ? null : job.result().get("droplets");
        return new JobDetail(job.id(), job.commandId(), job.commandType(), job.account(),
                job.state().name().toLowerCase(), job.outcome(), job.generation(), job.eventId(), job.attempts(),
                job.dropletId(), job.tagName(), shown(job.request()), job.receivedAt(), job.firstSubmittingAt(),
                job.inProgressAt(), job.finishedAt(), job.sentAt(), job.unconfirmedSince(), ErrorEntry.of(job.error()),
                job.problems(), droplets, actions.stream().map(ActionEntry::of).toList(),
                transitions.stream().map(TransitionEntry::of).toList(), job.state().isRetryable(),
                !job.state().isTerminal() && job.sentAt() == null,
                job.origin() == null ? null : job.origin().toString());
    }

    /** user_data often carries secrets (bootstrap keys, passwords): its size is shown, not its text. */
    private static JsonNode shown(JsonNode request) {
        if (request instanceof ObjectNode object && object.has("user_data") && object.get("user_data").isTextual()) {
            int bytes = object.get("user_data").asText().getBytes(StandardCharsets.UTF_8).length;
            object.put("user_data", "(" + bytes + " bytes, not shown)");
        }
        return request;
    }

    /** One action as the job keeps it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(name = "JobAction")
    record ActionEntry(long id, int generation, String type, String status, Long resourceId, String resourceType,
            String regionSlug, Instant startedAt, Instant completedAt, int polls) {

        static ActionEntry of(ActionView a) {
            return new ActionEntry(a.actionId(), a.generation(), a.type(), a.status(), a.dropletId(), a.resourceType(),
                    a.regionSlug(), a.startedAt(), a.completedAt(), a.polls());
        }
    }

    /** One state change. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(name = "JobTransition")
    record TransitionEntry(String from, String to, Instant at, String detail) {

        static TransitionEntry of(Transition t) {
            return new TransitionEntry(t.fromState() == null ? null : name(t.fromState()), name(t.toState()), t.at(),
                    t.detail());
        }

        private static String name(JobState state) {
            return state.name().toLowerCase();
        }
    }
}
