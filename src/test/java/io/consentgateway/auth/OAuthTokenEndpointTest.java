package io.consentgateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code POST /oauth/token}, RFC 6749 §4.4, over real HTTP. */
class OAuthTokenEndpointTest {

  @TempDir static Path dir;
  static Gateway gateway;
  static GatewayHttp http;

  @BeforeAll
  static void start() {
    gateway = Gateway.start(new TestConfig(dir).load());
    http = new GatewayHttp(gateway.ingestPort());
  }

  @AfterAll
  static void stop() {
    gateway.stop();
  }

  @Test
  void credentialsInTheFormBodyGetABearerToken() {
    HttpResponse<String> response = http.requestToken(TestConfig.CLIENT_ID, TestConfig.CLIENT_SECRET);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"access_token\"").contains("\"token_type\":\"Bearer\"").contains("\"expires_in\":3600");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
  }

  @Test
  void credentialsAsHttpBasicGetABearerToken() {
    HttpResponse<String> response = http.requestTokenBasic(TestConfig.CLIENT_ID, TestConfig.CLIENT_SECRET);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"access_token\"");
  }

  @Test
  void wrongSecretIsInvalidClient() {
    HttpResponse<String> response = http.requestToken(TestConfig.CLIENT_ID, "not-the-secret");

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).contains("\"error\":\"invalid_client\"").doesNotContain(TestConfig.CLIENT_SECRET);
  }

  @Test
  void unknownClientIsInvalidClient() {
    assertThat(http.requestTokenBasic("mallory", TestConfig.CLIENT_SECRET).statusCode()).isEqualTo(401);
  }

  @Test
  void otherGrantTypesAreRefused() {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.ingestPort() + "/oauth/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=password&username=a&password=b"))
        .build());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("unsupported_grant_type");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "grant_type=client_credentials&grant_type=password&client_id=didomi&client_secret=test-client-secret",
      "grant_type=client_credentials&grant_type=client_credentials&client_id=didomi&client_secret=test-client-secret",
      "grant_type=client_credentials&client_id=didomi&client_id=mallory&client_secret=test-client-secret",
      "grant_type=client_credentials&client_id=didomi&client_secret=test-client-secret&client_secret=other",
      "grant_type=client_credentials&client_id=didomi&client_secret=test-client-secret&scope=a&scope=b"})
  void aRepeatedParameterIsAnInvalidRequest(String form) {
    HttpResponse<String> response = postForm(form);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"error\":\"invalid_request\"").doesNotContain("access_token");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
  }

  @Test
  void aParameterWithoutAValueCountsAsOmitted() {
    HttpResponse<String> response = postForm("grant_type=&client_id=didomi&client_secret=test-client-secret");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"error\":\"invalid_request\"").contains("grant_type");
  }

  @Test
  void percentEncodedCredentialsAreDecoded() {
    HttpResponse<String> response = postForm("grant_type=client_credentials&client_id=%64idomi&client_secret=test%2Dclient%2Dsecret");

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void aBrokenPercentEscapeIsAnInvalidRequest() {
    HttpResponse<String> response = postForm("grant_type=client_credentials&client_id=didomi&client_secret=%zz");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"error\":\"invalid_request\"");
  }

  private static HttpResponse<String> postForm(String form) {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.ingestPort() + "/oauth/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form))
        .build());
  }

  @Test
  void issuedTokenOpensTheWebhook() {
    String token = http.token();
    String body = DidomiPayloads.eventCreated(UUID.randomUUID().toString(), "oauth@example.com", "2026-11-20T09:00:00Z", true);

    assertThat(http.postDidomi("acme", token, body).statusCode()).isEqualTo(202);
  }

  @Test
  void tokenSignedWithAnotherKeyIsRefused() {
    Vertx vertx = Vertx.vertx();
    try {
      String foreign = new AccessTokens(vertx, io.consentgateway.config.Secret.of("another-signing-key-0123456789abcdef0123"), 3600)
          .issue(TestConfig.CLIENT_ID);
      String body = DidomiPayloads.eventCreated(UUID.randomUUID().toString(), "oauth@example.com", "2026-11-20T09:00:00Z", true);

      assertThat(http.postDidomi("acme", foreign, body).statusCode()).isEqualTo(401);
    } finally {
      vertx.close();
    }
  }

  @Test
  void tokenWithoutExpiryIsRefused() {
    Vertx vertx = Vertx.vertx();
    try {
      String eternal = signedWithGatewayKey(vertx, new JsonObject()
          .put("sub", TestConfig.CLIENT_ID).put("iss", AccessTokens.ISSUER).put("aud", AccessTokens.AUDIENCE));
      String body = DidomiPayloads.eventCreated(UUID.randomUUID().toString(), "oauth@example.com", "2026-11-20T09:00:00Z", true);

      assertThat(http.postDidomi("acme", eternal, body).statusCode()).isEqualTo(401);
    } finally {
      vertx.close();
    }
  }

  private static String signedWithGatewayKey(Vertx vertx, JsonObject claims) {
    JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(TestConfig.SIGNING_KEY)));
    return jwt.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setNoTimestamp(true));
  }

  @Test
  void expiredTokenIsRefused() {
    Vertx vertx = Vertx.vertx();
    try {
      // the gateway's own key and claims, but an expiry two minutes ago
      long now = System.currentTimeMillis() / 1000;
      String expired = signedWithGatewayKey(vertx, new JsonObject()
          .put("sub", TestConfig.CLIENT_ID).put("iss", AccessTokens.ISSUER).put("aud", AccessTokens.AUDIENCE)
          .put("iat", now - 300).put("exp", now - 120));
      String body = DidomiPayloads.eventCreated(UUID.randomUUID().toString(), "oauth@example.com", "2026-11-20T09:00:00Z", true);

      assertThat(http.postDidomi("acme", expired, body).statusCode()).isEqualTo(401);
    } finally {
      vertx.close();
    }
  }
}
