package io.consentgateway.sandbox.didomi;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.sandbox.WebhookRecorder;
import io.consentgateway.sandbox.FaultRule;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class DidomiSandboxTest {

  private static final String EVENTS = "/v1/consents/events?organization_id=acme-org";
  private static final String ANN = "ann.martin@example.com";

  private DidomiSandbox sandbox;
  private WebhookReceiver receiver;
  private WebClient http;

  @BeforeEach
  void start(Vertx vertx) {
    receiver = WebhookReceiver.start(vertx);
    sandbox = DidomiSandbox.start(vertx, new DidomiSandboxOptions()
        .setApiKey("k").setApiSecret("s").setOrganizationId("acme-org")
        .setWebhookTarget(receiver.target())
        .setWebhookRetryDelay(Duration.ofMillis(20))).await();
    http = WebClient.create(vertx);
  }

  @AfterEach
  void stop() {
    http.close();
    sandbox.stop().await();
    receiver.close();
  }

  @Test
  void sessionIssuesAJwtWithExpiryForTheConfiguredKeyAndRefusesOthers() {
    var ok = post("/v1/sessions", null, new JsonObject().put("type", "api-key").put("key", "k").put("secret", "s"));
    var bad = post("/v1/sessions", null, new JsonObject().put("type", "api-key").put("key", "k").put("secret", "nope"));

    assertThat(ok.statusCode()).isEqualTo(201);
    String[] parts = ok.bodyAsJsonObject().getString("access_token").split("\\.");
    assertThat(parts).hasSize(3);
    JsonObject payload = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    assertThat(payload.getLong("exp") * 1000).isGreaterThan(System.currentTimeMillis() + 3_500_000);
    assertThat(bad.statusCode()).isEqualTo(401);
  }

  @Test
  void partialEventsAreMergedPerPurposeAndPreference() {
    String auth = bearer();
    post(EVENTS, auth, event("e1", purpose("newsletter", true, null), purpose("marketing", true, "email,sms")));

    var second = post(EVENTS, auth, event("e2", purpose("marketing", null, "email")));

    assertThat(second.statusCode()).isEqualTo(201);
    assertThat(second.bodyAsJsonObject().getString("id")).isEqualTo("e2");
    JsonObject user = sandbox.user(ANN).orElseThrow();
    assertThat(user.getInteger("version")).isEqualTo(2);
    assertThat(user.getJsonObject("consents").getJsonArray("purposes")).containsExactly(
        purpose("newsletter", true, null),
        purpose("marketing", true, "email"));
  }

  @Test
  void repeatedEventIdIsNotImportedTwice() {
    String auth = bearer();
    var first = post(EVENTS, auth, event("same", purpose("newsletter", true, null)));

    var again = post(EVENTS, auth, event("same", purpose("newsletter", false, null)));

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(sandbox.importedEvents()).isEqualTo(1);
    assertThat(sandbox.user(ANN).orElseThrow().getInteger("version")).isEqualTo(1);
  }

  @Test
  void invalidEventMissingTokenAndOtherOrganizationAreRefused() {
    String auth = bearer();

    var noUser = post(EVENTS, auth, new JsonObject().put("consents", new JsonObject().put("purposes", new JsonArray())));
    var badEnabled = post(EVENTS, auth, event("x", new JsonObject().put("id", "p").put("enabled", "yes")));
    var noToken = post(EVENTS, null, event("y", purpose("newsletter", true, null)));
    var otherOrg = post("/v1/consents/events?organization_id=other", auth, event("z", purpose("newsletter", true, null)));

    assertThat(noUser.statusCode()).isEqualTo(400);
    assertThat(noUser.bodyAsJsonObject().getString("message")).contains("user");
    assertThat(badEnabled.statusCode()).isEqualTo(400);
    assertThat(noToken.statusCode()).isEqualTo(401);
    assertThat(otherOrg.statusCode()).isEqualTo(403);
    assertThat(sandbox.users()).isEmpty();
  }

  @Test
  void expiredTokenGets401() {
    String auth = bearer();
    sandbox.expireTokens();

    assertThat(post(EVENTS, auth, event("e", purpose("newsletter", true, null))).statusCode()).isEqualTo(401);
  }

  @Test
  void faultBurstAnswersWithRetryAfterThenStops() {
    String auth = bearer();
    admin(HttpMethod.POST, "/_sandbox/faults", new JsonObject().put("status", 429).put("count", 1).put("retryAfter", "3"));

    var limited = post(EVENTS, auth, event("e", purpose("newsletter", true, null)));
    var next = post(EVENTS, auth, event("e", purpose("newsletter", true, null)));

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.getHeader("Retry-After")).isEqualTo("3");
    assertThat(next.statusCode()).isEqualTo(201);
  }

  @Test
  void importedEventsEmitUserCreatedThenUserUpdatedWithOAuthToken() {
    String auth = bearer();
    post(EVENTS, auth, event("e1", purpose("newsletter", true, null)));
    post(EVENTS, auth, event("e2", purpose("newsletter", false, null)));

    var webhooks = receiver.awaitWebhooks(2);

    assertThat(webhooks).extracting(WebhookRecorder.Received::authorization).containsOnly("Bearer " + WebhookReceiver.TOKEN);
    assertThat(webhooks.get(0).body().getString("type")).isEqualTo("user.created");
    JsonObject updated = webhooks.get(1).body();
    assertThat(updated.getString("type")).isEqualTo("user.updated");
    JsonObject parameters = updated.getJsonObject("parameters");
    assertThat(parameters.getJsonObject("source").getString("id")).isNotBlank();
    assertThat(parameters.getJsonObject("old_entity").getInteger("version")).isEqualTo(1);
    JsonObject entity = parameters.getJsonObject("new_entity");
    assertThat(entity.getInteger("version")).isEqualTo(2);
    assertThat(entity.getString("organization_user_id")).isEqualTo(ANN);
    assertThat(entity.getString("organization_id")).isEqualTo("acme-org");
    assertThat(entity.getJsonObject("consents").getJsonArray("purposes")).containsExactly(purpose("newsletter", false, null));
    assertThat(receiver.tokenForms).hasSize(1);
    assertThat(sandbox.webhookDeliveries()).extracting(WebhookDelivery::eventId).containsExactly("e1", "e2");
  }

  @Test
  void adminConsentChangeSimulatesTheUserAndFiresTheWebhook() {
    var response = admin(HttpMethod.POST, "/_sandbox/users/" + "ann.martin%40example.com" + "/consents",
        new JsonObject().put("purposes", new JsonArray().add(purpose("marketing", true, "sms"))));

    var webhooks = receiver.awaitWebhooks(1);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getString("organization_user_id")).isEqualTo(ANN);
    assertThat(webhooks.get(0).body().getJsonObject("parameters").getJsonObject("entity")
        .getJsonObject("consents").getJsonArray("purposes")).containsExactly(purpose("marketing", true, "sms"));
    assertThat(admin(HttpMethod.GET, "/_sandbox/users/ann.martin@example.com", null).statusCode()).isEqualTo(200);
  }

  @Test
  void webhookRefusedWith503IsRetriedUntilAccepted() {
    receiver.answer(503, 503);

    sandbox.changeConsents(ANN, new JsonObject().put("purposes", new JsonArray().add(purpose("newsletter", true, null))))
        .await();

    receiver.awaitWebhooks(3);
    WebhookReceiver.waitUntil(() -> sandbox.webhookDeliveries().get(0).delivered());
    assertThat(sandbox.webhookDeliveries().get(0).attempts()).isEqualTo(3);
  }

  @Test
  void callLogMasksTheApiSecretAndIssuedToken() {
    bearer();

    var calls = admin(HttpMethod.GET, "/_sandbox/calls", null).bodyAsJsonObject().getJsonArray("calls");

    String logged = calls.encode();
    assertThat(logged).contains("/v1/sessions").contains("****");
    assertThat(logged).doesNotContain("\"secret\":\"s\"").doesNotContain("eyJ");
  }

  // ---- helpers ----

  private String bearer() {
    return "Bearer " + post("/v1/sessions", null, new JsonObject().put("type", "api-key").put("key", "k")
        .put("secret", "s")).bodyAsJsonObject().getString("access_token");
  }

  private HttpResponse<Buffer> post(String path, String authorization, JsonObject body) {
    var request = http.postAbs(sandbox.baseUrl() + path);
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    return request.sendJsonObject(body).await();
  }

  private HttpResponse<Buffer> admin(HttpMethod method, String path, JsonObject body) {
    var request = http.requestAbs(method, sandbox.baseUrl() + path);
    return (body == null ? request.send() : request.sendJsonObject(body)).await();
  }

  private static JsonObject event(String id, JsonObject... purposes) {
    return new JsonObject().put("id", id)
        .put("user", new JsonObject().put("organization_user_id", ANN))
        .put("consents", new JsonObject().put("purposes", new JsonArray(java.util.List.of((Object[]) purposes))));
  }

  private static JsonObject purpose(String id, Boolean enabled, String channels) {
    var purpose = new JsonObject().put("id", id).put("enabled", enabled);
    if (channels != null) {
      purpose.put("values", new JsonObject().put("channels", new JsonObject().put("value", channels)));
    }
    return purpose;
  }
}
