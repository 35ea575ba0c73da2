package dev.dropletworker.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.dropletworker.event.ParkedEvent;
import dev.dropletworker.event.ParkedEvents;
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
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/** Completion events Kafka refused for good: see them, and publish one again once the cause is fixed. */
@Path("/api/v1/parked-events")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Parked events", description = "Completion events Kafka refused for good, held back from the relay")
@SecurityRequirement(name = OperatorApiDefinition.API_KEY)
@SecurityRequirement(name = OperatorApiDefinition.BEARER)
@APIResponse(responseCode = "401", description = OperatorApiDefinition.UNAUTHORIZED)
@APIResponse(responseCode = "403", description = OperatorApiDefinition.FORBIDDEN)
public class ParkedEventsResource {

    private static final Logger LOG = Logger.getLogger(ParkedEventsResource.class);

    private final ParkedEvents parked;
    private final ApiConfig config;
    private final ObjectMapper mapper;
    private final SecurityIdentity identity;

    ParkedEventsResource(ParkedEvents parked, ApiConfig config, ObjectMapper mapper, SecurityIdentity identity) {
        this.parked = parked;
        this.config = config;
        this.mapper = mapper;
        this.identity = identity;
    }

    /** A parked event; its CloudEvent only when one is asked for by id. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(name = "ParkedEvent")
    record Parked(@Schema(description = "The CloudEvent id") UUID id, UUID jobId,
            @Schema(description = "The Kafka key it is published with") String key,
            @Schema(description = "The CloudEvent type") String type, Instant createdAt, Instant parkedAt,
            @Schema(description = "What Kafka answered") String reason,
            @Schema(description = "Whether the event was cut down to fit a size limit") boolean cut,
            @Schema(description = "The CloudEvent as it would be published (by id only)") JsonNode event) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(name = "ParkedEventList")
    record ParkedList(List<Parked> parkedEvents, long total) {
    }

    @GET
    @RolesAllowed(Role.READ_NAME)
    @Operation(summary = "List parked events, most recently parked first")
    @APIResponse(responseCode = "200", description = "Parked events (without their payloads), at most limit")
    @APIResponse(responseCode = "400", description = "limit is not positive",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    public ParkedList list(@Parameter(description = "How many, capped like the job list") @QueryParam("limit")
            Integer limit) {
        if (limit != null && limit < 1) {
            throw ApiProblem.badRequest("limit must be at least 1");
        }
        int size = Math.min(limit == null ? config.defaultPageSize() : limit, config.maxPageSize());
        return new ParkedList(parked.list(size).stream().map(p -> shown(p, false)).toList(), parked.count());
    }

    @GET
    @Path("{id}")
    @RolesAllowed(Role.READ_NAME)
    @Operation(summary = "One parked event, with the CloudEvent it holds")
    @APIResponse(responseCode = "200", description = "The parked event")
    @APIResponse(responseCode = "404", description = "No such parked event",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    public Parked one(@PathParam("id") String id) {
        return parked.get(uuid(id)).map(p -> shown(p, true)).orElseThrow(() -> noParked(id));
    }

    @POST
    @Path("{id}/publish")
    @RolesAllowed(Role.OPERATE_NAME)
    @Operation(summary = "Publish a parked event again",
            description = "Hands it back to the relay, which publishes it at its next round (same event id)")
    @APIResponse(responseCode = "200", description = "Handed back; it is no longer parked")
    @APIResponse(responseCode = "404", description = "No such parked event (or already handed back)",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    public Parked publish(@PathParam("id") String id) {
        ParkedEvent event = parked.get(uuid(id)).orElseThrow(() -> noParked(id));
        if (!parked.publishAgain(event.id())) {
            throw noParked(id);
        }
        LOG.infof("parked event %s of job %s handed back to the relay by %s", event.id(), event.jobId(),
                Caller.of(identity));
        return shown(event, false);
    }

    private Parked shown(ParkedEvent p, boolean withEvent) {
        JsonNode event = null;
        if (withEvent) {
            try {
                event = mapper.readTree(p.payload());
            } catch (JsonProcessingException e) {
                event = mapper.getNodeFactory().textNode(p.payload());
            }
        }
        return new Parked(p.id(), p.jobId(), p.key(), p.type(), p.createdAt(), p.parkedAt(), p.reason(), p.cut(),
                event);
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw noParked(id);
        }
    }

    private static ApiProblem noParked(String id) {
        return ApiProblem.notFound("no parked event " + id);
    }
}
