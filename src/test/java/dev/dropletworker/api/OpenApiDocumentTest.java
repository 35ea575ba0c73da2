package dev.dropletworker.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The served OpenAPI document lists every endpoint of the operator API (found by reflection over the
 * resources, so a new one cannot be forgotten), each with its error answers and its security.
 */
@QuarkusTest
class OpenApiDocumentTest {

    private static final List<Class<?>> RESOURCES = List.of(JobsResource.class, AccountsResource.class,
            WhoAmIResource.class, DeadLettersResource.class, ParkedEventsResource.class);

    @Test
    void theOpenApiDocumentListsEveryEndpointWithItsErrorsAndSecurity() throws Exception {
        JsonNode document = new ObjectMapper().readTree(
                given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().asString());
        List<String> endpoints = endpoints();
        assertTrue(endpoints.size() >= 15, endpoints.toString());
        for (String endpoint : endpoints) {
            String[] parts = endpoint.split(" ", 2);
            JsonNode operation = document.path("paths").path(parts[1]).path(parts[0].toLowerCase());
            assertFalse(operation.isMissingNode(), "not documented: " + endpoint);
            assertFalse(operation.path("summary").asText().isBlank(), "no summary: " + endpoint);
            for (String status : List.of("200", "401", "403")) {
                assertTrue(operation.path("responses").has(status), endpoint + " does not document " + status);
            }
            assertTrue(operation.path("security").isArray() && operation.path("security").size() == 2,
                    endpoint + " names the API key and the bearer token");
        }
        assertEquals("apiKey", document.at("/components/securitySchemes/ApiKey/type").asText());
        assertEquals("X-API-Key", document.at("/components/securitySchemes/ApiKey/name").asText());
        assertEquals("header", document.at("/components/securitySchemes/ApiKey/in").asText());
        assertTrue(document.at("/paths/~1api~1v1~1jobs~1{id}~1cancel/post/responses").has("409"));
        assertTrue(document.at("/paths/~1api~1v1~1jobs/get/responses").has("400"));
    }

    @Test
    void swaggerUiIsServed() {
        given().get("/q/swagger-ui/").then().statusCode(200);
    }

    /** "GET /api/v1/jobs/{id}" for every resource method. */
    private static List<String> endpoints() {
        List<String> endpoints = new ArrayList<>();
        for (Class<?> resource : RESOURCES) {
            String base = resource.getAnnotation(Path.class).value();
            for (Method method : resource.getDeclaredMethods()) {
                String verb = method.isAnnotationPresent(GET.class) ? "GET"
                        : method.isAnnotationPresent(POST.class) ? "POST" : null;
                if (verb == null) {
                    continue;
                }
                Path sub = method.getAnnotation(Path.class);
                endpoints.add(verb + " " + base + (sub == null ? "" : "/" + sub.value()));
            }
        }
        return endpoints;
    }
}
