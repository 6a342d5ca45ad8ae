package io.consentgateway.bidirectional;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.support.Examples;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.StoreFile;
import io.consentgateway.support.TestConfig;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /webhooks/actito/{integration}} over real HTTP, against the real store file. */
class ActitoWebhookIngestTest {

  static final String SECRET = "actito-shared-secret";

  @TempDir static Path dir;
  static Gateway gateway;
  static GatewayHttp http;
  static StoreFile store;

  @BeforeAll
  static void start() {
    TestConfig config = new TestConfig(dir).integrationExtras("""
        bidirectional:
          enabled: true
          webhookHeader: X-Authorization
          webhookSecret: %s
          didomiApi: { baseUrl: "sandbox:0" }
        """.formatted(SECRET));
    gateway = Gateway.start(config.load());
    gateway.dispatch("acme").paused(true); // this class looks at ingest only
    http = new GatewayHttp(gateway.ingestPort());
    store = new StoreFile(config.storePath());
  }

  @AfterAll
  static void stop() {
    gateway.stop();
  }

  @Test
  void singlePushFixtureIsStoredAndQueuedForDidomi() {
    HttpResponse<String> response = http.postActito("acme", "X-Authorization", SECRET, Examples.read("actito/updated-subscription.json"));

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(new JsonObject(response.body()).getInteger("accepted")).isEqualTo(1);
    assertThat(store.count("SELECT COUNT(*) FROM webhook_inbox WHERE source = 'ACTITO' AND user_key = 'ann.martin@example.com'"))
        .isEqualTo(1);
    assertThat(store.strings("SELECT subscriptions FROM didomi_outbox WHERE user_key = 'ann.martin@example.com'"))
        .containsExactly("{\"Newsletter\":false}");
  }

  @Test
  void bulkPushFixtureStoresEachProfileOnceEvenWhenRedelivered() {
    String bulk = Examples.read("actito/updated-subscription.bulk.json");

    HttpResponse<String> first = http.postActito("acme", "X-Authorization", SECRET, bulk);
    HttpResponse<String> again = http.postActito("acme", "X-Authorization", SECRET, bulk);

    assertThat(new JsonObject(first.body()).getInteger("accepted")).isEqualTo(2);
    assertThat(new JsonObject(again.body()).getInteger("duplicates")).isEqualTo(2);
    assertThat(store.count("SELECT COUNT(*) FROM didomi_outbox WHERE user_key IN ('ann.martin@example.com', 'bob@example.com')"
        + " AND delivery_key LIKE 'd2e4f6a8%'")).isEqualTo(2);
  }

  @Test
  void aBulkPushIsStoredOnceWithEachProfileOnlyInItsOwnRow() {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      data.append(i == 0 ? "" : ",").append("""
          {"profileId": %d, "customerId": "bulk-%d@example.com", "subscriptions": [{"name": "Newsletter", "subscribe": false}]}"""
          .formatted(9000 + i, i));
    }
    String push = "{\"id\": \"bulk-once\", \"data\": [" + data + "]}";

    assertThat(new JsonObject(http.postActito("acme", "X-Authorization", SECRET, push).body()).getInteger("accepted"))
        .isEqualTo(50);

    // 50 rows, one per profile, together about the size of the push: not 50 copies of it
    assertThat(store.count("SELECT COUNT(*) FROM webhook_inbox WHERE source = 'ACTITO' AND user_key LIKE 'bulk-%'"))
        .isEqualTo(50);
    long stored = store.count("SELECT SUM(LENGTH(body)) FROM webhook_inbox WHERE source = 'ACTITO' AND user_key LIKE 'bulk-%'");
    assertThat(stored).isLessThan(push.length() * 2L);
    // and each row holds only its own person's data
    assertThat(store.strings("SELECT CAST(body AS TEXT) FROM webhook_inbox WHERE user_key = 'bulk-7@example.com'"))
        .singleElement().satisfies(body -> assertThat(body).contains("bulk-7@example.com").doesNotContain("bulk-8@"));
  }

  @Test
  void wrongOrMissingSecretIsRefusedWith401AndStoresNothing() {
    long before = store.inboxRows();

    assertThat(http.postActito("acme", "X-Authorization", "guess", Examples.read("actito/updated-subscription.json")).statusCode())
        .isEqualTo(401);
    assertThat(http.postActito("acme", "X-Authorization", null, Examples.read("actito/updated-subscription.json")).statusCode())
        .isEqualTo(401);
    assertThat(store.inboxRows()).isEqualTo(before);
  }

  @Test
  void unmappedSubscriptionAndMissingUniqueKeyAreSkippedAndCounted() {
    String body = """
        {"id": "c0ffee00-0000-4000-8000-000000000001", "data": [
          {"profileId": 1, "customerId": "skip@example.com", "subscriptions": [{"name": "Unmapped", "subscribe": true}]},
          {"profileId": 2, "subscriptions": [{"name": "Newsletter", "subscribe": true}]}
        ]}""";

    HttpResponse<String> response = http.postActito("acme", "X-Authorization", SECRET, body);

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(new JsonObject(response.body()).getInteger("skipped")).isEqualTo(2);
    assertThat(store.count("SELECT COUNT(*) FROM didomi_outbox WHERE delivery_key LIKE 'c0ffee00%'")).isZero();
    assertThat(gateway.registry().scrape()).contains("reason=\"no_mapped_subscription\"").contains("reason=\"no_unique_key\"");
  }

  @Test
  void bodyThatCannotBeUnderstoodIsRefusedWith400() {
    HttpResponse<String> response = http.postActito("acme", "X-Authorization", SECRET, "{\"data\": {}}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"error\":\"invalid_webhook\"");
  }

  @Test
  void unusableUserKeyIsRefusedWith400AndNothingOfTheBulkIsStored() {
    long before = store.inboxRows();
    String body = """
        {"id": "bad-key-0000-4000-8000-000000000001", "data": [
          {"profileId": 1, "customerId": "fine@example.com", "subscriptions": [{"name": "Newsletter", "subscribe": true}]},
          {"profileId": 2, "customerId": "\\ud800", "subscriptions": [{"name": "Newsletter", "subscribe": true}]}
        ]}""";

    HttpResponse<String> response = http.postActito("acme", "X-Authorization", SECRET, body);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"error\":\"invalid_webhook\"").contains("data[1].customerId");
    assertThat(store.inboxRows()).isEqualTo(before);
    String fine = """
        {"id": "after-bad-key-0000-4000-8000-000000000002", "data": {"profileId": 3, "customerId": "after-bad-key@example.com",
          "subscriptions": [{"name": "Newsletter", "subscribe": true}]}}""";
    assertThat(http.postActito("acme", "X-Authorization", SECRET, fine).statusCode()).as("the gateway keeps serving").isEqualTo(202);
  }

  @Test
  void invalidUtf8IsRefusedWith400() {
    byte[] body = Examples.actito("updated-subscription.json");
    int at = new String(body, java.nio.charset.StandardCharsets.UTF_8).indexOf("ann.martin");
    body[at] = (byte) 0xC0;
    body[at + 1] = (byte) 0xAF;

    HttpResponse<String> response = http.postActito("acme", "X-Authorization", SECRET, body);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("UTF-8");
  }

  @Test
  void reusedWebhookIdForAnotherUserIsStoredNotTakenForADuplicate() {
    String ann = """
        {"id": "reused-0000-4000-8000-000000000001", "data": {"profileId": 11, "customerId": "reuse-ann@example.com",
          "subscriptions": [{"name": "Newsletter", "subscribe": true}]}}""";
    String bob = ann.replace("reuse-ann", "reuse-bob").replace("11", "12");

    assertThat(new JsonObject(http.postActito("acme", "X-Authorization", SECRET, ann).body()).getInteger("accepted")).isEqualTo(1);
    assertThat(new JsonObject(http.postActito("acme", "X-Authorization", SECRET, bob).body()).getInteger("accepted")).isEqualTo(1);
    assertThat(store.count("SELECT COUNT(*) FROM webhook_inbox WHERE user_key IN ('reuse-ann@example.com', 'reuse-bob@example.com')"))
        .isEqualTo(2);
  }

  @Test
  void integrationWithoutTheBidirectionalFlowAnswers404() {
    assertThat(http.postActito("globex", "X-Authorization", SECRET, Examples.read("actito/updated-subscription.json")).statusCode())
        .isEqualTo(404);
  }
}
