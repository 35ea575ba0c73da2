package dev.dropletworker.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.dropletworker.job.Intervention;
import dev.dropletworker.job.JobCursor;
import dev.dropletworker.job.JobFilter;
import dev.dropletworker.job.JobPage;
import dev.dropletworker.job.JobQueries;
import dev.dropletworker.job.JobState;
import dev.dropletworker.job.JobView;
import dev.dropletworker.job.OperatorLedger;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeIn;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/** Jobs for operators: find, list, count, retry, cancel. */
@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Jobs", description = "The jobs the worker recorded for commands, and what operators may do with them")
@SecurityScheme(securitySchemeName = OperatorApiDefinition.API_KEY, type = SecuritySchemeType.APIKEY,
        apiKeyName = ApiKeyMechanism.HEADER, in = SecuritySchemeIn.HEADER,
        description = "A configured API key (worker.api.keys.<name>.hash holds its SHA-256)")
@SecurityScheme(securitySchemeName = OperatorApiDefinition.BEARER, type = SecuritySchemeType.HTTP,
        scheme = "bearer", bearerFormat = "JWT", description = "An OIDC access token, where quarkus.oidc is enabled")
@SecurityRequirement(name = OperatorApiDefinition.API_KEY)
@SecurityRequirement(name = OperatorApiDefinition.BEARER)
@APIResponse(responseCode = "401", description = OperatorApiDefinition.UNAUTHORIZED)
@APIResponse(responseCode = "403", description = OperatorApiDefinition.FORBIDDEN)
public class JobsResource {

    private static final Logger LOG = Logger.getLogger(JobsResource.class);

    private final JobQueries queries;
    private final OperatorLedger operators;
    private final ApiConfig config;
    private final SecurityIdentity identity;

    JobsResource(JobQueries queries, OperatorLedger operators, ApiConfig config, SecurityIdentity identity) {
        this.queries = queries;
        this.operators = operators;
        this.config = config;
        this.identity = identity;
    }

    /** One page of the job list. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(name = "JobList")
    record JobList(List<JobSummary> jobs,
            @Schema(description = "Pass as cursor for the next page; null on the last page") String nextCursor,
            @Schema(description = "The page size used (limit, capped)") int limit) {
    }

    /** Jobs by state and by outcome. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(name = "JobCounts")
    record JobCounts(Map<String, Long> byState, Map<String, Long> byOutcome, long total) {
    }

    @GET
    @RolesAllowed(Role.READ_NAME)
    @Operation(summary = "List jobs, newest first",
            description = "Filters combine. Keyset paging: pass next_cursor as cursor for the following page; "
                    + "a page never shifts when new jobs arrive.")
    @APIResponse(responseCode = "200", description = "A page of jobs")
    @APIResponse(responseCode = "400", description = "A filter or the cursor is not understood",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    public JobList list(
            @Parameter(description = "received, submitting, in_progress, completed, errored, failed, rejected, cancelled")
            @QueryParam("state") String state,
            @Parameter(description = "completed, errored, failed, rejected, cancelled") @QueryParam("outcome") String outcome,
            @Parameter(description = "Command type: droplet.create, droplet.action, droplet.tag_action")
            @QueryParam("type") String type,
            @Parameter(description = "The job's Droplet, or one its actions acted on (created Droplets, tagged ones)")
            @QueryParam("droplet_id") Long dropletId,
            @Parameter(description = "A tag action's tag, or a tag of a create request") @QueryParam("tag") String tag,
            @QueryParam("account") String account,
            @Parameter(description = "Received at or after (ISO-8601, e.g. 2026-08-10T12:00:00Z)")
            @QueryParam("received_after") String receivedAfter,
            @Parameter(description = "Received before (ISO-8601)") @QueryParam("received_before") String receivedBefore,
            @Parameter(description = "Page size; capped at the configured maximum (200 by default)",
                    schema = @Schema(type = SchemaType.INTEGER, minimum = "1")) @QueryParam("limit") Integer limit,
            @Parameter(description = "next_cursor of the previous page") @QueryParam("cursor") String cursor) {
        JobFilter filter = new JobFilter(state(state), outcome(outcome), blankToNull(type), dropletId,
                blankToNull(tag), blankToNull(account), instant("received_after", receivedAfter),
                instant("received_before", receivedBefore));
        JobCursor after = null;
        if (cursor != null && !cursor.isBlank()) {
            after = JobCursor.decode(cursor).orElseThrow(() -> ApiProblem.badRequest("cursor is not one this API gave"));
        }
        if (limit != null && limit < 1) {
            throw ApiProblem.badRequest("limit must be at least 1");
        }
        int size = Math.min(limit == null ? config.defaultPageSize() : limit, config.maxPageSize());
        JobPage page = queries.list(filter, after, size);
        return new JobList(page.jobs().stream().map(JobSummary::of).toList(),
                page.next() == null ? null : page.next().encode(), size);
    }

    @GET
    @Path("counts")
    @RolesAllowed(Role.READ_NAME)
    @Operation(summary = "Count jobs by state and by outcome", description = "Every state and outcome is listed, zeros too")
    @APIResponse(responseCode = "200", description = "The counts")
    public JobCounts counts() {
        JobQueries.Counts counts = queries.counts();
        Map<String, Long> byState = new LinkedHashMap<>();
        counts.byState().forEach((s, n) -> byState.put(s.name().toLowerCase(), n));
        long total = byState.values().stream().mapToLong(Long::longValue).sum();
        return new JobCounts(byState, counts.byOutcome(), total);
    }

    @GET
    @Path("{id}")
    @RolesAllowed(Role.READ_NAME)
    @Operation(summary = "A job by its id", description = "With its actions, Droplets, transitions, attempts and error")
    @APIResponse(responseCode = "200", description = "The job")
    @APIResponse(responseCode = "404", description = "No such job",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    public JobDetail byId(@PathParam("id") String id) {
        return detail(queries.find(uuid(id)).orElseThrow(() -> noJob(id)));
    }

    @GET
    @Path("by-command-id/{commandId}")
    @RolesAllowed(Role.READ_NAME)
    @Operation(summary = "A job by the command_id its producer gave")
    @APIResponse(responseCode = "200", description = "The job")
    @APIResponse(responseCode = "404", description = "No job for that command_id",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    public JobDetail byCommandId(@PathParam("commandId") String commandId) {
        return detail(queries.findByCommandId(commandId)
                .orElseThrow(() -> ApiProblem.notFound("no job for command_id " + commandId)));
    }

    @POST
    @Path("{id}/retry")
    @RolesAllowed(Role.OPERATE_NAME)
    @Operation(summary = "Retry a failed or errored job",
            description = "Starts a new attempt generation of the same job, at the back of its Droplet's queue; it ends "
                    + "with a new completion event (a new event id). A create creates only the Droplets the job tag "
                    + "lookup does not find; the ones it finds are adopted.")
    @APIResponse(responseCode = "200", description = "The job, RECEIVED in its new generation")
    @APIResponse(responseCode = "404", description = "No such job",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    @APIResponse(responseCode = "409", description = "The job is not failed or errored",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    public JobDetail retry(@PathParam("id") String id) {
        String by = Caller.of(identity);
        JobView job = done(operators.retry(uuid(id), by), id);
        LOG.infof("job %s retried by %s: generation %d", job.id(), by, job.generation());
        return detail(job);
    }

    @POST
    @Path("{id}/cancel")
    @RolesAllowed(Role.OPERATE_NAME)
    @Operation(summary = "Cancel a job none of whose requests was ever sent",
            description = "The job ends cancelled, with its event. A job any request of which went out (even one "
                    + "whose answer was lost) is refused: that request may have taken effect.")
    @APIResponse(responseCode = "200", description = "The job, cancelled")
    @APIResponse(responseCode = "404", description = "No such job",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    @APIResponse(responseCode = "409", description = "Refused, with the reason (already finished, or a request was sent)",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    public JobDetail cancel(@PathParam("id") String id) {
        return detail(done(operators.cancel(uuid(id), Caller.of(identity)), id));
    }

    private JobDetail detail(JobView job) {
        return JobDetail.of(job, queries.actionsOfEveryGeneration(job.id()), queries.transitionsOf(job.id()));
    }

    private static JobView done(Intervention intervention, String id) {
        if (intervention instanceof Intervention.Done done) {
            return done.job();
        }
        if (intervention instanceof Intervention.Refused refused) {
            throw ApiProblem.conflict(refused.reason());
        }
        throw noJob(id);
    }

    private static ApiProblem noJob(String id) {
        return ApiProblem.notFound("no job " + id);
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw noJob(id);
        }
    }

    private static JobState state(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return JobState.valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badRequest("state must be one of " + List.of(JobState.values()).stream()
                    .map(s -> s.name().toLowerCase()).toList());
        }
    }

    private static String outcome(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String outcome = text.strip().toLowerCase(Locale.ROOT);
        boolean known = List.of(JobState.values()).stream().anyMatch(s -> s.isTerminal() && s.outcome().equals(outcome));
        if (!known) {
            throw ApiProblem.badRequest("outcome must be one of completed, errored, failed, rejected, cancelled");
        }
        return outcome;
    }

    private static Instant instant(String name, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw ApiProblem.badRequest(name + " must be an ISO-8601 instant such as 2026-08-10T12:00:00Z");
        }
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.strip();
    }
}
