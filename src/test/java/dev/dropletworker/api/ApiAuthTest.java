package dev.dropletworker.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.net.URL;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Who may call the operator API: an API key of role read reads, one of role operate also acts;
 * anyone else gets 401, a read key on an operate call 403. Keys are configured as hashes only.
 */
@QuarkusTest
class ApiAuthTest {

    @TestHTTPResource(value = "/health/live", management = true)
    URL live;

    private static final String READ_KEY = "test-read-key-0123456789abcdef";
    private static final String OPERATE_KEY = "test-operate-key-0123456789abcdef";

    @Test
    void aCallWithoutCredentialsIsUnauthorized() {
        given().get("/api/v1/jobs").then().statusCode(401)
                .header("WWW-Authenticate", containsString("X-API-Key")).header("WWW-Authenticate", containsString("Bearer"));
        given().post("/api/v1/jobs/" + UUID.randomUUID() + "/retry").then().statusCode(401);
        given().get("/api/v1/accounts").then().statusCode(401);
    }

    @Test
    void anUnknownKeyIsUnauthorizedAndNeverEchoed() {
        String wrong = "not-a-configured-key-" + UUID.randomUUID();
        Response response = given().header("X-API-Key", wrong).get("/api/v1/jobs/counts");
        response.then().statusCode(401);
        assertFalse(response.asString().contains(wrong));
        assertFalse(response.headers().toString().contains(wrong));
    }

    @Test
    void theHashOfAKeyIsNotAKey() {
        // What the configuration holds for the read key must not open the API itself.
        given().header("X-API-Key", "190fee2b33007c094d7e72d66b8521014185ef8cf42899d7735f047ef2eb5ffb")
                .get("/api/v1/jobs/counts").then().statusCode(401);
    }

    @Test
    void aReadKeyReadsButIsForbiddenToOperate() {
        given().header("X-API-Key", READ_KEY).get("/api/v1/jobs/counts").then().statusCode(200);
        given().header("X-API-Key", READ_KEY).get("/api/v1/me").then().statusCode(200)
                .body("name", is("test-reader")).body("roles", is(java.util.List.of("read")));
        given().header("X-API-Key", READ_KEY).post("/api/v1/jobs/" + UUID.randomUUID() + "/retry").then()
                .statusCode(403);
        given().header("X-API-Key", READ_KEY).post("/api/v1/jobs/" + UUID.randomUUID() + "/cancel").then()
                .statusCode(403);
        given().header("X-API-Key", READ_KEY).contentType("application/json").body("{}")
                .post("/api/v1/accounts/default/pause").then().statusCode(403);
        given().header("X-API-Key", READ_KEY).post("/api/v1/accounts/default/resume").then().statusCode(403);
    }

    @Test
    void anOperateKeyMayReadAndAct() {
        given().header("X-API-Key", OPERATE_KEY).get("/api/v1/me").then().statusCode(200)
                .body("name", is("test-operator")).body("roles", hasItems("read", "operate"));
        // Allowed through to the operation, which finds no such job.
        given().header("X-API-Key", OPERATE_KEY).post("/api/v1/jobs/" + UUID.randomUUID() + "/retry").then()
                .statusCode(404).body("error", is("not_found"));
    }

    @Test
    void theDashboardOpenApiAndHealthNeedNoCredentials() {
        given().get("/dashboard/").then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("Droplet Worker"));
        given().get("/q/openapi").then().statusCode(200).body(containsString("/api/v1/jobs"));
        given().get("/q/swagger-ui/").then().statusCode(200);
        given().get(live).then().statusCode(200).body(not(containsString(READ_KEY)));
    }
}
