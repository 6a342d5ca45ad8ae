package io.consentgateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.TestConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 11, "one bad field never blocks the rest", in both modes: a metadata key the Actito
 * table lacks is never sent, and a field Actito still refuses is dead-lettered on its own while
 * every other field — above all a withdrawal of consent — and every later change reach Actito.
 */
class FieldIsolationTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ANN = "ann.isolated@example.com";

  @TempDir Path dir;
  private ActitoSandboxServer actito;
  private Gateway gateway;
  private GatewayHttp http;
  private GatewayHttp admin;
  private String token;

  private void start(boolean upsertMode) {
    actito = new ActitoSandboxServer();
    if (!upsertMode) {
      actito.sandbox().seedProfile(ANN, new JsonObject(), new JsonObject().put("Newsletter", false));
    }
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

  @ParameterizedTest(name = "upsertMode={0}")
  @ValueSource(booleans = {true, false})
  void aMetadataKeyTheTableLacksIsNeverSentAndTheWithdrawalStillArrives(boolean upsertMode) {
    start(upsertMode);

    post(1, true, "{\"first_name\":\"Ann\",\"favourite_colour\":\"blue\"}");
    awaitBacklogEmpty();
    post(2, false, "{\"first_name\":\"Ann\",\"favourite_colour\":\"blue\"}");
    awaitBacklogEmpty();

    assertThat(actito.subscriptions(ANN)).hasValue(Map.of("Newsletter", false));
    assertThat(actito.attributes(ANN).orElseThrow()).containsEntry("first_name", "Ann").doesNotContainKey("favourite_colour");
    assertThat(actito.sandbox().calls()).noneMatch(call -> call.requestBody() != null
        && call.requestBody().contains("favourite_colour"));
    JsonObject view = userView();
    assertThat(view.getJsonArray("skippedMetadata")).containsExactly("favourite_colour");
    assertThat(view.getJsonArray("deadLetters")).isEmpty();
    assertThat(status().getLong("deadLetters")).isZero();
    assertThat(gateway.registry().get("gateway.dispatch.metadata.skipped").counter().count()).isGreaterThanOrEqualTo(2);
  }

  @ParameterizedTest(name = "upsertMode={0}")
  @ValueSource(booleans = {true, false})
  void aFieldActitoRefusesIsDeadLetteredAloneAndNeverHoldsBackLaterChanges(boolean upsertMode) {
    start(upsertMode);
    // the gateway read the table with loyalty_tier; then an Actito operator dropped the column
    Eventually.await(WAIT, "the table read", () -> gateway.dispatch("acme").table() != null);
    actito.sandbox().setTableAttributes(List.of("first_name"));

    post(1, true, "{\"first_name\":\"Ann\",\"loyalty_tier\":\"gold\"}");
    awaitBacklogEmpty();

    assertThat(actito.subscriptions(ANN)).hasValue(Map.of("Newsletter", true));
    assertThat(actito.attributes(ANN).orElseThrow()).containsEntry("first_name", "Ann");
    JsonArray letters = deadLetters();
    assertThat(letters).hasSize(1);
    JsonObject letter = letters.getJsonObject(0);
    assertThat(letter.getString("organizationUserId")).isEqualTo(ANN);
    assertThat(letter.getString("field")).isEqualTo("attribute:loyalty_tier");
    assertThat(letter.getInteger("actitoStatus")).isEqualTo(400);
    assertThat(letter.getString("detail")).contains("loyalty_tier"); // Actito's own answer
    long refusedCalls = callsCarrying("loyalty_tier");

    // an hour later she withdraws the newsletter; the webhook still carries the refused attribute
    post(2, false, "{\"first_name\":\"Ann\",\"loyalty_tier\":\"gold\"}");
    awaitBacklogEmpty();

    assertThat(actito.subscriptions(ANN)).hasValue(Map.of("Newsletter", false));
    assertThat(callsCarrying("loyalty_tier")).as("the refused value is not sent again").isEqualTo(refusedCalls);
    assertThat(deadLetters()).hasSize(1);

    // later her tier changes, the operator adds the column back and replays: the newest value arrives
    post(3, false, "{\"first_name\":\"Ann\",\"loyalty_tier\":\"platinum\"}");
    awaitBacklogEmpty();
    actito.sandbox().setTableAttributes(ActitoSandboxServer.TABLE_ATTRIBUTES);
    assertThat(adminPost("/admin/integrations/acme/dead-letters/replay").body()).contains("\"replayed\":1");
    awaitBacklogEmpty();

    assertThat(actito.attributes(ANN).orElseThrow()).containsEntry("loyalty_tier", "platinum");
    assertThat(actito.subscriptions(ANN)).hasValue(Map.of("Newsletter", false));
    assertThat(deadLetters()).isEmpty();
  }

  @ParameterizedTest(name = "upsertMode={0}")
  @ValueSource(booleans = {true, false})
  void whenActitoRefusesEveryFieldTheUserIsOneDeadLetter(boolean upsertMode) {
    start(upsertMode);
    actito.sandbox().addFault(io.consentgateway.sandbox.FaultRule.fraction(1.0, 422).onPathsContaining("/profile"));

    post(1, true, "{\"first_name\":\"Ann\",\"language\":\"fr\"}");

    Eventually.await(WAIT, "a dead letter", () -> status().getLong("deadLetters") == 1);
    JsonObject letter = deadLetters().getJsonObject(0);
    assertThat(letter.getString("field")).isNull();
    assertThat(letter.getInteger("actitoStatus")).isEqualTo(422);
  }

  private long callsCarrying(String text) {
    return actito.sandbox().calls().stream()
        .map(RecordedCall::requestBody)
        .filter(body -> body != null && body.contains(text))
        .count();
  }

  private void post(int second, boolean newsletter, String metadata) {
    String at = java.time.Instant.parse("2026-11-20T00:00:00Z").plusSeconds(second).toString();
    String body = """
        {"type":"event.created","parameters":{"entity":{
          "id":"evt-isolation-%d","organization_id":"acme-org","created_at":"%s","status":"confirmed",
          "user":{"id":"u-ann","organization_user_id":"%s","metadata":%s},
          "consents":{"purposes":[{"id":"newsletter","enabled":%s}]}}}}
        """.formatted(second, at, ANN, metadata, newsletter);
    assertThat(http.postDidomi("acme", token, body).statusCode()).isEqualTo(202);
  }

  private void awaitBacklogEmpty() {
    Eventually.await(WAIT, "an empty backlog", () -> status().getLong("backlog") == 0 && status().getInteger("inFlight") == 0,
        () -> status().encode());
  }

  private JsonObject status() {
    return new JsonObject(admin.get("/admin/integrations/acme/status").body());
  }

  private JsonObject userView() {
    return new JsonObject(admin.get("/admin/integrations/acme/users/" + ANN).body());
  }

  private JsonArray deadLetters() {
    return new JsonObject(admin.get("/admin/integrations/acme/dead-letters").body()).getJsonArray("items");
  }

  private java.net.http.HttpResponse<String> adminPost(String path) {
    return admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
  }
}
