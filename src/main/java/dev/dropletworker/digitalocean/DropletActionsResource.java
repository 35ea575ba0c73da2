package dev.dropletworker.digitalocean;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** {@code /v2/droplets/.../actions}: start an action on one Droplet or on every Droplet with a tag. */
@RegisterRestClient(configKey = "digitalocean-droplet-actions")
@Path("/v2/droplets")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
interface DropletActionsResource {

    @POST
    @Path("/{id}/actions")
    Response post(@HeaderParam("Authorization") String authorization, @PathParam("id") long dropletId,
            JsonNode action);

    /** The client URL-encodes tag_name (godo does not; tags such as {@code env:prod} need it). */
    @POST
    @Path("/actions")
    Response postByTag(@HeaderParam("Authorization") String authorization, @QueryParam("tag_name") String tagName,
            JsonNode action);

    @GET
    @Path("/{id}/actions")
    Response list(@HeaderParam("Authorization") String authorization, @PathParam("id") long dropletId,
            @QueryParam("page") int page, @QueryParam("per_page") int perPage);
}
