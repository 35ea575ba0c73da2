package dev.dropletworker.api;

import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every {@link ApiProblem} becomes its status with the JSON error body. */
class ApiProblemMapper {

    @ServerExceptionMapper
    RestResponse<ApiProblem.Body> map(ApiProblem problem) {
        return RestResponse.ResponseBuilder.create(problem.status(), problem.body())
                .type(MediaType.APPLICATION_JSON_TYPE).build();
    }
}
