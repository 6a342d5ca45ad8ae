package io.consentgateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.sandbox.FaultRule;
import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.Examples;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.TestConfig;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Didomi → Actito end to end: the gateway in-process, the Actito sandbox on its own Vert.x over
 * HTTP, the real SQLite file. Each test asserts on what Actito ends up holding.
 */
class DispatchEndToEndTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String[] FIXTURE_ORDER = {
    "didomi/user.created.json", "didomi/event.created.json", "didomi/event.created.cpra.json",
    "didomi/event.created.pending.json", "didomi/event.deleted.json", "didomi/event.updated.confirmed.json",
    "didomi/user.updated.json", "didomi/user.deleted.json", "didomi/event.created.no-organization-user-id.json"
  };

  @TempDir Path dir;
  private ActitoSandboxServer actito;
  private Gateway gateway;
  private GatewayHttp http;
  private GatewayHttp admin;
  private String token;

  private void start(boolean upsertMode) {
    actito = new ActitoSandboxServer();
    gateway = Gateway.start(new TestConfig(dir).actito(actito.baseUrl(), upsertMode).load());
    http = new GatewayHttp(gateway.ingestPort());
    admin = new GatewayHttp(gateway.adminPort());
    token = http.token();
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.stop();
    }
    if (actito != null) {
      actito.close();
    }
  }

  @Test
  void everyFixtureReachesActitoInUpsertModeWithNewestValuesAndMetadata() {
    start(true);

    for (String fixture : FIXTURE_ORDER) {
      assertThat(http.postDidomi("acme", token, Examples.read(fixture)).statusCode()).as(fixture).isBetween(200, 299);
    }

    awaitBacklogEmpty();
    // ann: user.updated (2026-11-22) unsubscribed the newsletter and narrowed marketing to email;
    // the cpra event is another regulation and the deleted event changes nothing
    assertThat(actito.subscriptions("ann.martin@example.com")).hasValue(Map.of("Newsletter", false, "SmsOffers", false));
    assertThat(actito.attributes("ann.martin@example.com")).hasValueSatisfying(attributes -> assertThat(attributes)
        .containsEntry("customerId", "ann.martin@example.com")
        .containsEntry("first_name", "Ann")
        .containsEntry("language", "fr")
        .containsEntry("loyalty_tier", "platinum"));
    // bob: pending, then confirmed by event.updated
    assertThat(actito.subscriptions("bob@example.com")).hasValue(Map.of("Newsletter", true));
    assertThat(actito.sandbox().profiles()).hasSize(2);
  }

  @Test
  void updateOnlyModeNeverCreatesAProfileAndRecordsNotInActito() {
    start(false);
    actito.sandbox().seedProfile("bob@example.com", new JsonObject(), new JsonObject().put("Newsletter", false));

    for (String fixture : FIXTURE_ORDER) {
      http.postDidomi("acme", token, Examples.read(fixture));
    }

    awaitBacklogEmpty();
    assertThat(actito.sandbox().profile("ann.martin@example.com")).isEmpty();
    // the one write of update-only V4 (POST ?allowUpdate=true) only ever follows a look-up that found the profile
    assertThat(actito.sandbox().calls()).noneMatch(call -> call.method().equals("POST") && call.requestBody() != null
        && call.requestBody().contains("ann.martin@example.com"));
    assertThat(actito.subscriptions("bob@example.com")).hasValue(Map.of("Newsletter", true));
    JsonObject ann = userView("ann.martin@example.com");
    assertThat(ann.getString("lastError")).startsWith("not in Actito");
    assertThat(ann.getString("pendingSince")).isNull();
    assertThat(ann.getInteger("attempts")).isZero();
  }

  @Test
  void changesQueuedDuringASlowCallAreCoalescedIntoOneMoreCall() {
    start(true);
    actito.sandbox().addFault(FaultRule.latency(1800).onPathsContaining("/profile"));

    post("coalesce@example.com", 0, true);
    Eventually.await(WAIT, "the first call is in flight", () -> actito.sandbox().inFlight() > 0);
    // all 49 at once, so they are stored while the first call is still held by the slow Actito
    List<CompletableFuture<HttpResponse<String>>> posted = new ArrayList<>();
    for (int i = 1; i < 50; i++) {
      posted.add(http.postDidomiAsync("acme", token, DidomiPayloads.eventWithSeq("coalesce@example.com", i, i % 2 == 0)));
    }
    posted.forEach(response -> assertThat(response.join().statusCode()).isEqualTo(202));
    assertThat(actito.sandbox().inFlight()).as("the first call was still in flight when the 49 were stored").isPositive();

    awaitBacklogEmpty();
    assertThat(actito.callsFor("coalesce@example.com")).hasSizeLessThanOrEqualTo(2);
    assertThat(actito.subscriptions("coalesce@example.com")).hasValue(Map.of("Newsletter", false)); // change 49: odd
    assertThat(actito.attributes("coalesce@example.com").orElseThrow()).containsEntry("seq", "49");
  }

  @Test
  void outageOpensTheBreakerProducesNoDeadLetterAndEverythingArrivesAfterRecovery() {
    start(true);
    actito.sandbox().addFault(FaultRule.fraction(1.0, 503).onPathsContaining("/profile"));

    for (int i = 0; i < 20; i++) {
      post("outage-" + i + "@example.com", 1, true);
    }
    Eventually.await(WAIT, "the breaker opens", () -> status().getJsonObject("actito").getString("breaker").equals("OPEN"));
    assertThat(status().getLong("deadLetters")).isZero();

    actito.sandbox().clearFaults();

    awaitBacklogEmpty();
    for (int i = 0; i < 20; i++) {
      assertThat(actito.subscriptions("outage-" + i + "@example.com")).hasValue(Map.of("Newsletter", true));
    }
    assertThat(status().getLong("deadLetters")).isZero();
  }

  @Test
  void permanentFailureBecomesADeadLetterThatIsDeliveredOnceReplayed() {
    start(true);
    actito.sandbox().addFault(FaultRule.fraction(1.0, 400).onPathsContaining("/profile"));

    post("rejected@example.com", 1, true);
    Eventually.await(WAIT, "a dead letter", () -> status().getLong("deadLetters") == 1);
    JsonObject letters = new JsonObject(admin.get("/admin/integrations/acme/dead-letters").body());
    assertThat(letters.getJsonArray("items").getJsonObject(0).getString("organizationUserId")).isEqualTo("rejected@example.com");
    assertThat(letters.getJsonArray("items").getJsonObject(0).getInteger("actitoStatus")).isEqualTo(400);
    assertThat(actito.sandbox().profile("rejected@example.com")).isEmpty();

    actito.sandbox().clearFaults(); // the operator fixes the cause
    HttpResponse<String> replay = admin.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.adminPort() + "/admin/integrations/acme/dead-letters/replay"))
        .POST(HttpRequest.BodyPublishers.noBody()).build());

    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(replay.body()).contains("\"replayed\":1");
    awaitBacklogEmpty();
    assertThat(actito.subscriptions("rejected@example.com")).hasValue(Map.of("Newsletter", true));
    assertThat(status().getLong("deadLetters")).isZero();
    assertThat(userView("rejected@example.com").getJsonArray("history").encode()).contains("dead_letter", "replayed", "delivered");
  }

  @Test
  void pausedIntegrationAcceptsWebhooksButCallsActitoOnlyAfterResume() throws Exception {
    start(true);
    assertThat(adminPost("/admin/integrations/acme/pause").statusCode()).isEqualTo(200);

    post("paused@example.com", 1, true);
    Thread.sleep(1000);
    assertThat(actito.callsFor("paused@example.com")).isEmpty();
    assertThat(status().getLong("backlog")).isEqualTo(1);
    assertThat(status().getBoolean("paused")).isTrue();

    assertThat(adminPost("/admin/integrations/acme/resume").statusCode()).isEqualTo(200);
    awaitBacklogEmpty();
    assertThat(actito.subscriptions("paused@example.com")).hasValue(Map.of("Newsletter", true));
  }

  @Test
  void userViewExplainsWhatTheGatewayKnowsAndDid() {
    start(true);
    post("explained@example.com", 3, false);
    awaitBacklogEmpty();

    JsonObject view = userView("explained@example.com");

    assertThat(view.getJsonObject("desired").getJsonObject("subscriptions").getBoolean("Newsletter")).isFalse();
    assertThat(view.getJsonObject("actitoAcknowledged").getJsonObject("subscriptions").getBoolean("Newsletter")).isFalse();
    assertThat(view.getLong("profileId")).isNotNull();
    assertThat(view.getJsonArray("history").encode()).contains("webhook", "delivered");
    assertThat(admin.get("/admin/integrations/acme/users/nobody@example.com").statusCode()).isEqualTo(404);
    assertThat(admin.get("/admin/integrations/globex/status").statusCode()).isEqualTo(404);
  }

  @Test
  void aUserWithoutARememberedProfileIdIsLookedUpNeverAddressedAsProfileZero() {
    start(false);
    long id = actito.sandbox().seedProfile("known@example.com", new JsonObject(), new JsonObject().put("Newsletter", false));

    post("known@example.com", 1, true);
    awaitBacklogEmpty();

    // update-only: the dispatch finds the profile by its unique key, and writes by that key; no call
    // ever addresses a profile id Actito did not give
    assertThat(actito.subscriptions("known@example.com")).hasValue(Map.of("Newsletter", true));
    assertThat(actito.sandbox().calls()).extracting(RecordedCall::path)
        .anyMatch(path -> path.endsWith("/profile/customerId=known%40example.com"))
        .filteredOn(path -> path.matches(".*/profile/\\d+(/.*)?"))
        .allMatch(path -> path.contains("/profile/" + id), "addresses only the id Actito gave (" + id + ")");
  }

  @Test
  void metadataNumbersReachActitoExactlyAsDidomiWroteThem() {
    start(true);
    String body = DidomiPayloads.eventWithSeq("numbers@example.com", 1, true)
        .replace("\"metadata\":{\"seq\":\"1\"}", "\"metadata\":{\"huge\":1e400,\"price\":1.50,\"big\":12345678901234567890123}");
    assertThat(http.postDidomi("acme", token, body).statusCode()).isEqualTo(202);

    awaitBacklogEmpty();
    assertThat(actito.callsFor("numbers@example.com")).extracting(RecordedCall::requestBody)
        .anySatisfy(sent -> assertThat(sent)
            .contains("\"value\":1e400", "\"value\":1.50", "\"value\":12345678901234567890123")
            .doesNotContain("Infinity", "\"value\":1.5}"));
  }

  private void post(String user, int seq, boolean newsletter) {
    String body = DidomiPayloads.eventWithSeq(user, seq, newsletter);
    assertThat(http.postDidomi("acme", token, body).statusCode()).isBetween(200, 299);
  }

  private void awaitBacklogEmpty() {
    Eventually.await(WAIT, "an empty backlog", () -> status().getLong("backlog") == 0 && status().getInteger("inFlight") == 0,
        () -> status().encode());
  }

  private JsonObject status() {
    return new JsonObject(admin.get("/admin/integrations/acme/status").body());
  }

  private JsonObject userView(String user) {
    HttpResponse<String> response = admin.get("/admin/integrations/acme/users/" + user);
    assertThat(response.statusCode()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private HttpResponse<String> adminPost(String path) {
    return admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
  }
}
