package io.consentgateway.sandbox.actito;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.sandbox.FaultRule;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ActitoSandboxTest {

  private static final String P = "/profiles/v4/entity/acme/table/Customers";

  private Vertx vertx;
  private ActitoSandbox sandbox;
  private WebClient http;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    sandbox = ActitoSandbox.start(vertx, new SandboxOptions()
        .setEntity("acme").setTable("Customers").setUniqueKey("customerId")
        .setSubscriptions(List.of("Newsletter", "SmsOffers"))
        .setApiKeys(List.of("good-key"))
        .setCallsPerWindow(10).setWindow(Duration.ofMillis(500))).await();
    // more pooled connections than the sandbox allows calls, so the 6th call reaches it
    http = WebClient.create(vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(10));
  }

  @AfterEach
  void stop() {
    http.close();
    sandbox.stop().await();
  }

  @Test
  void anUnnormalisedPathIsAnsweredByItsRawFormNotByTheResourceItNormalisesTo() {
    int port = java.net.URI.create(sandbox.baseUrl()).getPort();
    for (String raw : List.of("/_sandbox/../_sandbox/stats", "/_sandbox//stats")) {
      String answer = io.consentgateway.support.RawHttp.exchange(port,
          "GET " + raw + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      assertThat(answer).as(raw).startsWith("HTTP/1.1 404").contains("no such admin resource");
    }
    String api = io.consentgateway.support.RawHttp.exchange(port,
        "GET //_sandbox/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assertThat(api).as("an API path without a bearer").startsWith("HTTP/1.1 401").contains("missing bearer token");
    assertThat(admin(HttpMethod.GET, "/_sandbox/stats", null).statusCode()).as("the normalised path itself").isEqualTo(200);
  }

  @Test
  void tokenIsIssuedForAKnownKeyAndRefusedForAnUnknownOne() {
    var ok = call(HttpMethod.GET, "/auth/token", "good-key", null);
    var bad = call(HttpMethod.GET, "/auth/token", "wrong-key", null);

    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.bodyAsJsonObject().getString("tokenType")).isEqualTo("bearer");
    assertThat(ok.bodyAsJsonObject().getString("expiresIn")).isEqualTo("900s");
    assertThat(bad.statusCode()).isEqualTo(401);
    assertThat(bad.bodyAsJsonObject().getString("message")).contains("API key");
  }

  @Test
  void adminEndpointSeedsAnExistingProfileOnce() {
    JsonObject seed = new JsonObject().put("uniqueKeyValue", "seeded@example.com")
        .put("attributes", new JsonObject().put("first_name", "Ann"))
        .put("subscriptions", new JsonObject().put("Newsletter", false));

    var created = call(HttpMethod.POST, "/_sandbox/profiles", null, seed);
    var again = call(HttpMethod.POST, "/_sandbox/profiles", null, seed);

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(sandbox.profile("seeded@example.com")).hasValueSatisfying(profile ->
        assertThat(profile.encode()).contains("\"first_name\"").contains("\"Newsletter\""));
    assertThat(call(HttpMethod.POST, "/_sandbox/profiles", null, new JsonObject()).statusCode()).isEqualTo(400);
  }

  @Test
  void expiredTokenGets401() {
    String token = token();
    sandbox.expireTokens();

    var response = call(HttpMethod.GET, P + "/profile/customerId=u1", "Bearer " + token, null);

    assertThat(response.statusCode()).isEqualTo(401);
  }

  @Test
  void profileIsCreatedLookedUpUpdatedAndSubscribed() {
    String auth = "Bearer " + token();
    var created = call(HttpMethod.POST, P + "/profile?allowUpdate=false", auth, body("u+1/é", true));
    long id = created.bodyAsJsonObject().getLong("profileId");

    var conflict = call(HttpMethod.POST, P + "/profile?allowUpdate=false", auth, body("u+1/é", false));
    var lookup = call(HttpMethod.GET, P + "/profile/customerId=u%2B1%2F%C3%A9", auth, null);
    var update = call(HttpMethod.PUT, P + "/profile/" + id, auth,
        new JsonObject().put("attributes", new JsonArray().add(attr("firstName", "Ann"))));
    var unsubscribe = call(HttpMethod.DELETE, P + "/profile/" + id + "/subscription/Newsletter", auth, null);

    assertThat(created.statusCode()).isEqualTo(200);
    assertThat(conflict.statusCode()).isEqualTo(409);
    assertThat(lookup.statusCode()).isEqualTo(200);
    assertThat(lookup.bodyAsJsonObject().getLong("profileId")).isEqualTo(id);
    assertThat(update.statusCode()).isEqualTo(200);
    assertThat(unsubscribe.statusCode()).isEqualTo(200);
    JsonObject held = sandbox.profile("u+1/é").orElseThrow();
    assertThat(held.encode()).contains("\"firstName\"").contains("\"Ann\"");
    assertThat(held.getJsonArray("subscriptions").getJsonObject(0))
        .isEqualTo(new JsonObject().put("name", "Newsletter").put("subscribe", false));
  }

  @Test
  void malformedBodyUnknownProfileAndUnknownSubscriptionAreClientErrors() {
    String auth = "Bearer " + token();

    var malformed = http.requestAbs(HttpMethod.POST, sandbox.baseUrl() + P + "/profile?allowUpdate=true")
        .putHeader("Authorization", auth).sendBuffer(Buffer.buffer("{not json")).await();
    var unknownProfile = call(HttpMethod.PUT, P + "/profile/999", auth,
        new JsonObject().put("attributes", new JsonArray()));
    var missingLookup = call(HttpMethod.GET, P + "/profile/customerId=nobody", auth, null);
    var unknownSubscription = call(HttpMethod.POST, P + "/profile?allowUpdate=true", auth,
        new JsonObject().put("attributes", new JsonArray().add(attr("customerId", "u2")))
            .put("subscriptions", new JsonArray().add(new JsonObject().put("name", "Nope").put("subscribe", true))));

    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.bodyAsJsonObject().getString("error")).isEqualTo("BAD_REQUEST");
    assertThat(unknownProfile.statusCode()).isEqualTo(404);
    assertThat(missingLookup.statusCode()).isEqualTo(404);
    assertThat(unknownSubscription.statusCode()).isEqualTo(400);
    assertThat(sandbox.profiles()).isEmpty();
  }

  @Test
  void sixthConcurrentCallGets429() {
    String auth = "Bearer " + token();
    sandbox.addFault(FaultRule.latency(300));
    List<Future<HttpResponse<Buffer>>> calls = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      calls.add(http.requestAbs(HttpMethod.GET, sandbox.baseUrl() + P + "/profile/customerId=x" + i)
          .putHeader("Authorization", auth).send());
    }

    Future.join(calls).await();

    assertThat(calls).extracting(f -> f.result().statusCode()).filteredOn(s -> s == 429).hasSize(1);
    assertThat(sandbox.rejectedForConcurrency()).isEqualTo(1);
    assertThat(sandbox.maxInFlightObserved()).isEqualTo(6);
  }

  @Test
  void callsBeyondTheBudgetAreSlowedNotRejected() {
    String auth = "Bearer " + token(); // 1 of the 10 per window
    List<Future<HttpResponse<Buffer>>> calls = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      // sequential pairs of up to 5 in flight stay under the concurrency limit
      calls.add(call(HttpMethod.GET, P + "/profile/customerId=x" + i, auth));
      if (calls.size() % 4 == 0) {
        Future.join(new ArrayList<>(calls)).await();
      }
    }
    Future.join(calls).await();

    assertThat(calls).extracting(f -> f.result().statusCode()).containsOnly(404);
    assertThat(sandbox.slowedCalls()).isEqualTo(3);
    assertThat(sandbox.calls()).filteredOn(RecordedCall::slowed).hasSize(3);
  }

  @Test
  void burstOfFaultsAnswersTheNextCallsThenStops() {
    String auth = "Bearer " + token();
    sandbox.addFault(FaultRule.burst(2, 503, "2"));

    var first = call(HttpMethod.GET, P + "/profile/customerId=a", auth, null);
    var second = call(HttpMethod.GET, P + "/profile/customerId=a", auth, null);
    var third = call(HttpMethod.GET, P + "/profile/customerId=a", auth, null);

    assertThat(first.statusCode()).isEqualTo(503);
    assertThat(first.getHeader("Retry-After")).isEqualTo("2");
    assertThat(second.statusCode()).isEqualTo(503);
    assertThat(third.statusCode()).isEqualTo(404);
  }

  @Test
  void hungCallIsNeverAnsweredAndStopsCountingWhenTheClientGivesUp() {
    String auth = "Bearer " + token();
    sandbox.addFault(FaultRule.hang(1));

    var hung = http.requestAbs(HttpMethod.GET, sandbox.baseUrl() + P + "/profile/customerId=a")
        .putHeader("Authorization", auth).idleTimeout(200).send();

    assertThat(hung.transform(ar -> Future.succeededFuture(ar.cause())).await())
        .isInstanceOf(java.util.concurrent.TimeoutException.class);
    waitUntil(() -> sandbox.inFlight() == 0);
    assertThat(sandbox.calls().get(1).status()).isZero();
  }

  @Test
  void adminEndpointsReportCallsProfilesAndReset() {
    String auth = "Bearer " + token();
    call(HttpMethod.POST, P + "/profile?allowUpdate=true", auth, body("u9", true));

    JsonObject calls = admin(HttpMethod.GET, "/_sandbox/calls", null).bodyAsJsonObject();
    var profile = admin(HttpMethod.GET, "/_sandbox/profiles/u9", null);
    var faults = admin(HttpMethod.POST, "/_sandbox/faults", Buffer.buffer("{\"status\":500,\"ratio\":0.5}"));
    admin(HttpMethod.POST, "/_sandbox/reset", null);

    assertThat(calls.getJsonArray("calls")).hasSize(2);
    assertThat(calls.getJsonArray("calls").getJsonObject(1).getString("requestBody")).contains("u9");
    assertThat(calls.getInteger("maxInFlightObserved")).isEqualTo(1);
    assertThat(profile.statusCode()).isEqualTo(200);
    assertThat(faults.bodyAsJsonObject().getJsonArray("faults")).hasSize(1);
    assertThat(admin(HttpMethod.GET, "/_sandbox/profiles", null).bodyAsJsonObject().getJsonArray("profiles")).isEmpty();
    assertThat(sandbox.calls()).isEmpty();
  }

  // ---- helpers ----

  private String token() {
    return call(HttpMethod.GET, "/auth/token", "good-key", null).bodyAsJsonObject().getString("accessToken");
  }

  private HttpResponse<Buffer> call(HttpMethod method, String path, String authorization, JsonObject body) {
    return call(method, path, authorization, body, true).await();
  }

  private Future<HttpResponse<Buffer>> call(HttpMethod method, String path, String authorization) {
    return call(method, path, authorization, null, false);
  }

  private Future<HttpResponse<Buffer>> call(
      HttpMethod method, String path, String authorization, JsonObject body, boolean unused) {
    var request = http.requestAbs(method, sandbox.baseUrl() + path).putHeader("Authorization", authorization);
    return body == null ? request.send() : request.sendJsonObject(body);
  }

  private HttpResponse<Buffer> admin(HttpMethod method, String path, Buffer body) {
    var request = http.requestAbs(method, sandbox.baseUrl() + path);
    return (body == null ? request.send() : request.sendBuffer(body)).await();
  }

  private static JsonObject body(String key, boolean newsletter) {
    return new JsonObject()
        .put("attributes", new JsonArray().add(attr("customerId", key)))
        .put("subscriptions", new JsonArray().add(new JsonObject().put("name", "Newsletter").put("subscribe", newsletter)));
  }

  private static JsonObject attr(String name, Object value) {
    return new JsonObject().put("name", name).put("value", value);
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met in 5 s");
      }
      Thread.onSpinWait();
    }
  }
}
