package dev.dropletworker.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;

import dev.dropletworker.testsupport.WorkerTestGround;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * OIDC bearer tokens as the alternative to API keys: a token's {@code groups} give its role. The test
 * ground configures the worker with a public key and signs tokens with its private key, as an
 * identity provider would.
 */
@QuarkusTest
class OidcBearerTest {

    @ConfigProperty(name = WorkerTestGround.OIDC_SIGNING_KEY_FILE)
    String signingKeyFile;

    @Test
    void aBearerTokenWithTheOperateRoleMayReadAndAct() throws Exception {
        String token = token("alice", "operate");
        given().auth().oauth2(token).get("/api/v1/me").then().statusCode(200)
                .body("name", is("alice")).body("roles", hasItems("read", "operate"));
        given().auth().oauth2(token).post("/api/v1/jobs/" + UUID.randomUUID() + "/cancel").then().statusCode(404);
    }

    @Test
    void aBearerTokenWithTheReadRoleIsForbiddenToOperate() throws Exception {
        String token = token("bob", "read");
        given().auth().oauth2(token).get("/api/v1/jobs/counts").then().statusCode(200);
        given().auth().oauth2(token).post("/api/v1/jobs/" + UUID.randomUUID() + "/retry").then().statusCode(403);
    }

    @Test
    void aTokenWithoutARoleOrWithABadSignatureIsRefused() throws Exception {
        given().auth().oauth2(token("carol", "viewer")).get("/api/v1/jobs/counts").then().statusCode(403);
        String forged = token("mallory", "operate");
        forged = forged.substring(0, forged.lastIndexOf('.') + 1) + "AAAA" + forged.substring(forged.lastIndexOf('.') + 5);
        given().auth().oauth2(forged).get("/api/v1/jobs/counts").then().statusCode(401);
    }

    /** An RS256 JWT as an identity provider would issue it, valid for five minutes. */
    private String token(String subject, String group) throws Exception {
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        long now = Instant.now().getEpochSecond();
        String header = url.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = url.encodeToString(("{\"sub\":\"" + subject + "\",\"groups\":[\"" + group + "\"],\"iat\":" + now
                + ",\"exp\":" + (now + 300) + ",\"iss\":\"https://idp.test\"}").getBytes(StandardCharsets.UTF_8));
        PrivateKey key = KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(Path.of(signingKeyFile))));
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initSign(key);
        rs256.update((header + "." + claims).getBytes(StandardCharsets.UTF_8));
        return header + "." + claims + "." + url.encodeToString(rs256.sign());
    }
}
