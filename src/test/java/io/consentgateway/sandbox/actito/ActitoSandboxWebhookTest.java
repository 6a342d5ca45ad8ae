package io.consentgateway.sandbox.actito;

import static io.consentgateway.support.Eventually.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.webhook.ActitoProfileChange;
import io.consentgateway.webhook.ActitoWebhookParser;
import io.consentgateway.sandbox.WebhookRecorder;
import io.consentgateway.sandbox.WebhookRecorder.Received;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ActitoSandboxWebhookTest {

  private static final String P = "/profiles/v4/entity/acme/table/Customers";
  private static final String SECRET = "hook-s3cret";

  private Vertx vertx;
  private ActitoSandbox sandbox;
  private WebhookRecorder target;
  private Queue<Received> received;
  private WebClient http;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    target = WebhookRecorder.start(vertx, "X-Authorization", Map.of());
    received = target.received;
    http = WebClient.create(vertx);
  }

  @AfterEach
  void stop() {
    http.close();
    if (sandbox != null) {
      sandbox.stop().await();
    }
    target.close();
  }

  @Test
  void subscriptionChangedThroughTheApiPostsTheEnvelopeWithTheConfiguredHeaders() {
    startSandbox(new SandboxOptions());
    admin(HttpMethod.POST, "/_sandbox/webhooks", new JsonObject().put("targetUrl", targetUrl())
        .put("headers", new JsonObject().put("X-Authorization", SECRET))
        .put("eventType", "UPDATED_SUBSCRIPTION").put("bulk", false));

    var upsert = api(HttpMethod.POST, P + "/profile?allowUpdate=true", new JsonObject()
        .put("attributes", new JsonArray().add(new JsonObject().put("name", "customerId").put("value", "ann@example.com")))
        .put("subscriptions", new JsonArray().add(sub("Newsletter", false))));

    Received webhook = awaitWebhooks(1).get(0);
    assertThat(upsert.statusCode()).isEqualTo(200);
    assertThat(webhook.authorization()).isEqualTo(SECRET);
    assertThat(webhook.body().getString("id")).matches("[0-9a-f-]{36}");
    assertThat(webhook.body().getJsonObject("data")).isEqualTo(new JsonObject()
        .put("profileId", upsert.bodyAsJsonObject().getLong("profileId"))
        .put("customerId", "ann@example.com")
        .put("subscriptions", new JsonArray().add(sub("Newsletter", false))));
    assertThat(webhook.body().getJsonObject("_links").getJsonObject("webhook").getString("href"))
        .isEqualTo("/webhooks/v4/entity/acme/webhookSubscription/1");
  }

  @Test
  void unsubscribeNotifiesOnceAndARepeatedUnsubscribeChangesNothing() {
    startSandbox(withWebhook(false));
    long id = sandbox.seedProfile("u1", new JsonObject(), new JsonObject().put("Newsletter", true));

    api(HttpMethod.DELETE, P + "/profile/" + id + "/subscription/Newsletter", null);
    awaitWebhooks(1);
    api(HttpMethod.DELETE, P + "/profile/" + id + "/subscription/Newsletter", null);
    api(HttpMethod.GET, P + "/profile/customerId=u1", null); // a later call: anything pending was sent before it

    waitUntil(() -> sandbox.webhookDeliveries().stream().allMatch(WebhookDelivery::delivered));
    assertThat(received).hasSize(1);
    assertThat(received.peek().body().getJsonObject("data").getJsonArray("subscriptions"))
        .containsExactly(sub("Newsletter", false));
  }

  @Test
  void adminSubscriptionChangeSimulatesAUserClickingUnsubscribe() {
    startSandbox(withWebhook(false));
    sandbox.seedProfile("ann@example.com", new JsonObject(), new JsonObject().put("Newsletter", true));

    var changed = admin(HttpMethod.POST, "/_sandbox/profiles/ann%40example.com/subscriptions",
        new JsonObject().put("subscriptions", new JsonArray().add(sub("Newsletter", false))));
    var unknown = admin(HttpMethod.POST, "/_sandbox/profiles/nobody/subscriptions",
        new JsonObject().put("subscriptions", new JsonArray().add(sub("Newsletter", false))));

    assertThat(changed.statusCode()).isEqualTo(200);
    assertThat(changed.bodyAsJsonObject().getJsonArray("subscriptions")).containsExactly(sub("Newsletter", false));
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(awaitWebhooks(1).get(0).body().getJsonObject("data").getString("customerId")).isEqualTo("ann@example.com");
  }

  @Test
  void bulkSubscriptionSendsDataAsAnArrayTheGatewayParserReads() {
    startSandbox(withWebhook(true));
    long id = sandbox.seedProfile("bob@example.com", new JsonObject(), new JsonObject());

    sandbox.changeSubscriptions("bob@example.com", Map.of("SmsOffers", true));

    JsonObject body = awaitWebhooks(1).get(0).body();
    assertThat(body.getValue("data")).isInstanceOf(JsonArray.class);
    ActitoProfileChange change = new ActitoWebhookParser("customerId").parse(body.toBuffer().getBytes()).changes().get(0);
    assertThat(change.organizationUserId()).isEqualTo("bob@example.com");
    assertThat(change.profileId()).isEqualTo(id);
    assertThat(change.subscriptions()).containsExactly(Map.entry("SmsOffers", true));
  }

  @Test
  void apiAnswerDoesNotWaitForAnUnansweringTarget() {
    target.hang();
    startSandbox(withWebhook(false));
    long id = sandbox.seedProfile("u1", new JsonObject(), new JsonObject());

    var answer = api(HttpMethod.POST, P + "/profile/" + id + "/subscription/Newsletter", null);

    assertThat(answer.statusCode()).isEqualTo(200);
    awaitWebhooks(1);
    assertThat(sandbox.webhookDeliveries()).singleElement().satisfies(d -> {
      assertThat(d.attempts()).isZero(); // still waiting for the target when the API had answered
      assertThat(d.delivered()).isFalse();
    });
  }

  @Test
  void refusedDeliveryIsRetriedUntilAccepted() {
    target.answer(503);
    startSandbox(withWebhook(false));
    sandbox.seedProfile("u1", new JsonObject(), new JsonObject());

    sandbox.changeSubscriptions("u1", Map.of("Newsletter", true));

    waitUntil(() -> !sandbox.webhookDeliveries().isEmpty() && sandbox.webhookDeliveries().get(0).delivered());
    assertThat(sandbox.webhookDeliveries().get(0).attempts()).isEqualTo(2);
    assertThat(received).hasSize(2);
  }

  @Test
  void adminListingsNeverShowHeaderValues() {
    startSandbox(withWebhook(false));
    sandbox.seedProfile("u1", new JsonObject(), new JsonObject());
    sandbox.changeSubscriptions("u1", Map.of("Newsletter", true));
    awaitWebhooks(1);

    String webhooks = admin(HttpMethod.GET, "/_sandbox/webhooks", null).bodyAsString();
    String deliveries = admin(HttpMethod.GET, "/_sandbox/webhooks/deliveries", null).bodyAsString();

    assertThat(webhooks).contains("X-Authorization").contains("****").doesNotContain(SECRET);
    assertThat(deliveries).contains("\"webhookId\"").doesNotContain(SECRET);
  }

  @Test
  void unsupportedEventTypeIsRefused() {
    startSandbox(new SandboxOptions());

    var refused = admin(HttpMethod.POST, "/_sandbox/webhooks",
        new JsonObject().put("targetUrl", targetUrl()).put("eventType", "CREATE"));

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(sandbox.webhookSubscriptions()).isEmpty();
  }

  // ---- helpers ----

  private void startSandbox(SandboxOptions options) {
    sandbox = ActitoSandbox.start(vertx, options
        .setEntity("acme").setTable("Customers").setUniqueKey("customerId")
        .setSubscriptions(List.of("Newsletter", "SmsOffers"))
        .setApiKeys(List.of("good-key"))
        .setWebhookRetryDelay(Duration.ofMillis(20))).await();
  }

  private SandboxOptions withWebhook(boolean bulk) {
    return new SandboxOptions().addWebhookSubscription(
        new WebhookSubscription(targetUrl(), Map.of("X-Authorization", SECRET), WebhookSubscription.UPDATED_SUBSCRIPTION, bulk));
  }

  private String targetUrl() {
    return "http://127.0.0.1:" + target.port() + "/webhooks/actito/acme";
  }

  private HttpResponse<Buffer> api(HttpMethod method, String path, JsonObject body) {
    String token = http.getAbs(sandbox.baseUrl() + "/auth/token").putHeader("Authorization", "good-key").send().await()
        .bodyAsJsonObject().getString("accessToken");
    var request = http.requestAbs(method, sandbox.baseUrl() + path).putHeader("Authorization", "Bearer " + token);
    return (body == null ? request.send() : request.sendJsonObject(body)).await();
  }

  private HttpResponse<Buffer> admin(HttpMethod method, String path, JsonObject body) {
    var request = http.requestAbs(method, sandbox.baseUrl() + path);
    return (body == null ? request.send() : request.sendJsonObject(body)).await();
  }

  private List<Received> awaitWebhooks(int count) {
    return target.awaitWebhooks(count);
  }

  private static JsonObject sub(String name, boolean subscribe) {
    return new JsonObject().put("name", name).put("subscribe", subscribe);
  }
}
