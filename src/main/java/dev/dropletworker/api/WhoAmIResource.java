package dev.dropletworker.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Who the credential belongs to and what it may do: the dashboard shows operate buttons by it. */
@Path("/api/v1/me")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Credentials")
@SecurityRequirement(name = OperatorApiDefinition.API_KEY)
@SecurityRequirement(name = OperatorApiDefinition.BEARER)
public class WhoAmIResource {

    private final SecurityIdentity identity;

    WhoAmIResource(SecurityIdentity identity) {
        this.identity = identity;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(name = "Caller")
    record Me(@Schema(description = "The API key's name, or the token's subject") String name,
            @Schema(description = "read, and operate for a key that may act") List<String> roles) {
    }

    @GET
    @RolesAllowed(Role.READ_NAME)
    @Operation(summary = "The caller's name and roles")
    @APIResponse(responseCode = "200", description = "The caller")
    @APIResponse(responseCode = "401", description = OperatorApiDefinition.UNAUTHORIZED)
    @APIResponse(responseCode = "403", description = OperatorApiDefinition.FORBIDDEN)
    public Me me() {
        return new Me(identity.getPrincipal().getName(), identity.getRoles().stream()
                .filter(r -> r.equals(Role.READ_NAME) || r.equals(Role.OPERATE_NAME)).sorted().toList());
    }
}
