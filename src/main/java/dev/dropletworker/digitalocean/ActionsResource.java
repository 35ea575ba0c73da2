package dev.dropletworker.digitalocean;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * {@code GET /v2/actions/{id}}: the global action endpoint, the one create links point at; and
 * {@code GET /v2/actions}, every action on the account, newest first.
 */
@RegisterRestClient(configKey = "digitalocean-actions")
@Path("/v2/actions")
@Produces(MediaType.APPLICATION_JSON)
interface ActionsResource {

    @GET
    Response list(@HeaderParam("Authorization") String authorization, @QueryParam("page") int page,
            @QueryParam("per_page") int perPage);

    @GET
    @Path("/{id}")
    Response get(@HeaderParam("Authorization") String authorization, @PathParam("id") long actionId);
}
