package dev.dropletworker.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.dropletworker.command.DeadLetterView;
import dev.dropletworker.command.DeadLetters;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Dead letters kept in the database: records that were not a command and that the dead-letter
 * topic would not take either (too large, the topic unwritable). The rest are on the topic itself.
 */
@Path("/api/v1/dead-letters")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Dead letters", description = "Unreadable records the dead-letter topic did not take, kept in the database")
@SecurityRequirement(name = OperatorApiDefinition.API_KEY)
@SecurityRequirement(name = OperatorApiDefinition.BEARER)
@APIResponse(responseCode = "401", description = OperatorApiDefinition.UNAUTHORIZED)
@APIResponse(responseCode = "403", description = OperatorApiDefinition.FORBIDDEN)
public class DeadLettersResource {

    private final DeadLetters letters;
    private final ApiConfig config;

    DeadLettersResource(DeadLetters letters, ApiConfig config) {
        this.letters = letters;
        this.config = config;
    }

    /** A kept record; its value only when one is asked for by id. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(name = "DeadLetter")
    record Letter(long id,
            @Schema(description = "Where intake read it: topic, partition, offset") String topic, int partition,
            long offset,
            @Schema(description = "The record's key as text (UTF-8), if it had one") String key,
            @Schema(description = "Why it is not a command") String reason,
            @Schema(description = "Why the dead-letter topic did not take it") String deadLetterError,
            @Schema(description = "The value's size as received") int valueSize,
            @Schema(description = "Whether only the start of the value was kept") boolean valueCut,
            Instant receivedAt,
            @Schema(description = "The value as text, when it is valid UTF-8 (by id only)") String valueText,
            @Schema(description = "The value's bytes as kept, base64 (by id only)") String valueBase64) {

        static Letter of(DeadLetterView d, boolean withValue) {
            return new Letter(d.id(), d.topic(), d.partition(), d.offset(),
                    d.key() == null ? null : new String(d.key(), StandardCharsets.UTF_8), d.reason(),
                    d.deadLetterError(), d.valueSize(), d.valueCut(), d.receivedAt(),
                    withValue ? utf8(d.value()) : null,
                    withValue && d.value() != null ? Base64.getEncoder().encodeToString(d.value()) : null);
        }

        private static String utf8(byte[] bytes) {
            if (bytes == null) {
                return null;
            }
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException notText) {
                return null;
            }
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(name = "DeadLetterList")
    record Letters(List<Letter> deadLetters,
            @Schema(description = "Pass as before for the next (older) page; null on the last page") Long nextBefore,
            long total) {
    }

    @GET
    @RolesAllowed(Role.READ_NAME)
    @Operation(summary = "List dead letters kept in the database, newest first")
    @APIResponse(responseCode = "200", description = "A page of dead letters (without their values)")
    @APIResponse(responseCode = "400", description = "limit is not positive",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    public Letters list(@Parameter(description = "next_before of the previous page") @QueryParam("before") Long before,
            @Parameter(description = "Page size, capped like the job list") @QueryParam("limit") Integer limit) {
        if (limit != null && limit < 1) {
            throw ApiProblem.badRequest("limit must be at least 1");
        }
        int size = Math.min(limit == null ? config.defaultPageSize() : limit, config.maxPageSize());
        List<DeadLetterView> page = letters.list(before, size + 1);
        boolean more = page.size() > size;
        List<Letter> shown = page.stream().limit(size).map(d -> Letter.of(d, false)).toList();
        return new Letters(shown, more ? shown.get(shown.size() - 1).id() : null, letters.total());
    }

    @GET
    @Path("{id}")
    @RolesAllowed(Role.READ_NAME)
    @Operation(summary = "One dead letter, with its value")
    @APIResponse(responseCode = "200", description = "The dead letter")
    @APIResponse(responseCode = "404", description = "No such dead letter",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    public Letter one(@PathParam("id") long id) {
        return letters.get(id).map(d -> Letter.of(d, true))
                .orElseThrow(() -> ApiProblem.notFound("no dead letter " + id));
    }
}
