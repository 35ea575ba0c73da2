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

/** {@code /v2/droplets}: create, read, list by tag. Responses are read raw so headers and error bodies survive. */
@RegisterRestClient(configKey = "digitalocean-droplets")
@Path("/v2/droplets")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
interface DropletsResource {

    @POST
    Response create(@HeaderParam("Authorization") String authorization, JsonNode request);

    @GET
    @Path("/{id}")
    Response get(@HeaderParam("Authorization") String authorization, @PathParam("id") long dropletId);

    @GET
    Response listByTag(@HeaderParam("Authorization") String authorization, @QueryParam("tag_name") String tagName,
            @QueryParam("page") int page, @QueryParam("per_page") int perPage);
}
