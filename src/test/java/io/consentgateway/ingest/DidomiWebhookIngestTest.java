package io.consentgateway.ingest;

import io.consentgateway.support.FlattenedDidomi;
import org.junit.jupiter.params.provider.Arguments;
import java.util.stream.Stream;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.Examples;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.StoreFile;
import io.consentgateway.support.TestConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The public webhook endpoint over real HTTP, against the real SQLite file. */
class DidomiWebhookIngestTest {

  @TempDir static Path dir;
  static Gateway gateway;
  static GatewayHttp http;
  static StoreFile store;
  static String token;

  @BeforeAll
  static void startGateway() {
    TestConfig config = new TestConfig(dir).maxBodyBytes(16 * 1024);
    gateway = Gateway.start(config.load());
    http = new GatewayHttp(gateway.ingestPort());
    store = new StoreFile(config.storePath());
    token = http.token();
  }

  @AfterAll
  static void stopGateway() {
    gateway.stop();
  }

  static Iterable<Path> didomiFixtures() {
    return Examples.didomiFiles();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("didomiFixtures")
  void everyFixtureIsAcknowledgedAndStoredUnlessItCannotBeMatched(Path fixture) throws Exception {
    String body = Files.readString(fixture);
    boolean unmatchable = fixture.getFileName().toString().contains("no-organization-user-id");
    long before = store.inboxRows();

    HttpResponse<String> response = http.postDidomi("acme", token, body);

    assertThat(response.statusCode()).isBetween(200, 299);
    if (unmatchable) {
      assertThat(response.body()).contains("skipped");
      assertThat(store.inboxRows()).isEqualTo(before);
    } else {
      assertThat(store.count("SELECT COUNT(*) FROM webhook_inbox WHERE body = CAST(x'"
          + hex(body) + "' AS BLOB)")).isEqualTo(1);
    }
  }

  @Test
  void redeliveredWebhookIsAcknowledgedAgainAndStoredOnce() {
    String body = DidomiPayloads.eventCreated(UUID.randomUUID().toString(), "redelivered@example.com", "2026-11-20T09:00:00Z", true);

    HttpResponse<String> first = http.postDidomi("acme", token, body);
    HttpResponse<String> second = http.postDidomi("acme", token, body);

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(first.body()).contains("accepted");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.body()).contains("duplicate");
    assertThat(store.count("SELECT COUNT(*) FROM webhook_inbox WHERE user_key = 'redelivered@example.com'")).isEqualTo(1);
    assertThat(store.count("SELECT pending_changes FROM user_state WHERE user_key = 'redelivered@example.com'")).isEqualTo(1);
  }

  @Test
  void missingBearerTokenIsRefusedWith401AndStoresNothing() {
    assertRejected(http.postDidomi("acme", null, validBody()), 401, "unauthorized");
  }

  @Test
  void forgedBearerTokenIsRefusedWith401() {
    String forged = token.substring(0, token.lastIndexOf('.') + 1) + "c2lnbmF0dXJlLW9mLWFub3RoZXIta2V5";
    assertRejected(http.postDidomi("acme", forged, validBody()), 401, "unauthorized");
  }

  @Test
  void unknownIntegrationIsRefusedWith404() {
    assertRejected(http.postDidomi("globex", token, validBody()), 404, "unknown_integration");
  }

  @Test
  void bodyOverTheLimitIsRefusedWith413() {
    String huge = "{\"type\":\"event.created\",\"parameters\":{\"pad\":\"" + "x".repeat(20_000) + "\"}}";
    assertRejected(http.postDidomi("acme", token, huge), 413, "payload_too_large");
  }

  @Test
  void bodyThatIsNotJsonIsRefusedWith400() {
    assertRejected(http.postDidomi("acme", token, "type=event.created"), 400, "invalid_webhook");
  }

  @Test
  void jsonThatIsNotADidomiEnvelopeIsRefusedWith400() {
    assertRejected(http.postDidomi("acme", token, "{\"hello\":\"world\"}"), 400, "invalid_webhook");
    assertRejected(http.postDidomi("acme", token, "[1,2,3]"), 400, "invalid_webhook");
    assertRejected(http.postDidomi("acme", token, "{\"type\":\"consent.exploded\",\"parameters\":{}}"), 400, "invalid_webhook");
    assertRejected(http.postDidomi("acme", token, "{\"type\":\"event.updated\",\"parameters\":{\"entity\":{}}}"), 400, "invalid_webhook");
  }

  @Test
  void webhookOfAnotherOrganizationIsRefusedWith400() {
    String body = validBody().replace("\"acme-org\"", "\"globex-org\"");
    assertRejected(http.postDidomi("acme", token, body), 400, "wrong_organization");
  }

  static Stream<Arguments> organizationIdsThatAreNotTheIntegrations() {
    return Stream.of(
        Arguments.of("null", "\"organization_id\":null"),
        Arguments.of("an empty array", "\"organization_id\":[]"),
        Arguments.of("an array holding the right id", "\"organization_id\":[\"acme-org\"]"),
        Arguments.of("an empty object", "\"organization_id\":{}"),
        Arguments.of("a number", "\"organization_id\":42"),
        Arguments.of("a boolean", "\"organization_id\":true"),
        Arguments.of("an empty string", "\"organization_id\":\"\""),
        Arguments.of("another case", "\"organization_id\":\"ACME-ORG\""),
        Arguments.of("missing", "\"organization_id_missing\":\"acme-org\""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("organizationIdsThatAreNotTheIntegrations")
  void onlyTheIntegrationsOrganizationIdAsAStringPasses(String what, String field) {
    String body = validBody().replace("\"organization_id\":\"acme-org\"", field);

    assertRejected(http.postDidomi("acme", token, body), 400, "wrong_organization");
  }

  @Test
  void gatewayKeepsServingAfterBadInput() {
    http.postDidomi("acme", token, "{\"type\":");
    http.postDidomi("acme", token, "\u0000\u0001garbage");

    String body = DidomiPayloads.eventCreated(UUID.randomUUID().toString(), "after-bad-input@example.com", "2026-11-20T09:00:00Z", true);
    assertThat(http.postDidomi("acme", token, body).statusCode()).isEqualTo(202);
  }

  @Test
  void unknownPathAnswersJson404() {
    HttpResponse<String> response = http.get("/nothing-here");
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).contains("\"error\"");
  }

  @Test
  void nonPostMethodOnWebhookAnswersJsonError() {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.ingestPort() + "/webhooks/didomi/acme")).GET().build());
    assertThat(response.statusCode()).isBetween(400, 499);
    assertThat(response.body()).contains("\"error\"");
  }

  @Test
  void eventsOfTwoUsersWithoutAnEntityIdAtTheSameInstantAreBothStored() {
    // given two users' events without an entity id, at the same instant (the old keys collided)
    String ann = "anon-ann-" + UUID.randomUUID() + "@example.com";
    String bob = "anon-bob-" + UUID.randomUUID() + "@example.com";
    // when both are posted, then both are accepted and stored, each under its user
    assertThat(http.postDidomi("acme", token, eventWithoutId(ann)).statusCode()).isEqualTo(202);
    assertThat(http.postDidomi("acme", token, eventWithoutId(bob)).statusCode()).isEqualTo(202);
    assertThat(store.count("SELECT COUNT(*) FROM webhook_inbox WHERE user_key IN ('" + ann + "', '" + bob + "')")).isEqualTo(2);
    // and a byte-identical redelivery is still a duplicate
    assertThat(http.postDidomi("acme", token, eventWithoutId(ann)).body()).contains("duplicate");
  }

  static Stream<Arguments> unusableUserKeys() {
    return Stream.of(
        Arguments.of("unpaired surrogate", utf8(eventWithKey("\\ud800")), "organization_user_id"),
        Arguments.of("control character", utf8(eventWithKey("ann\\u0007@example.com")), "organization_user_id"),
        Arguments.of("C1 control character", utf8(eventWithKey("ann\u0085@example.com")), "organization_user_id"),
        Arguments.of("256 code points", utf8(eventWithKey("k".repeat(256))), "organization_user_id"),
        Arguments.of("overlong UTF-8", eventWithRawKey(new byte[] {'a', (byte) 0xC0, (byte) 0xAF}), "UTF-8"),
        Arguments.of("encoded surrogate", eventWithRawKey(new byte[] {'a', (byte) 0xED, (byte) 0xB0, (byte) 0x80}), "UTF-8"),
        Arguments.of("invalid byte", eventWithRawKey(new byte[] {'a', (byte) 0xFE}), "UTF-8"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unusableUserKeys")
  void unusableUserKeyIsRefusedWith400AndNothingIsStored(String what, byte[] body, String detail) {
    long inbox = store.inboxRows();
    long users = store.count("SELECT COUNT(*) FROM user_state");

    HttpResponse<String> response = http.postDidomi("acme", token, body);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"error\":\"invalid_webhook\"").contains(detail);
    assertThat(store.inboxRows()).isEqualTo(inbox);
    assertThat(store.count("SELECT COUNT(*) FROM user_state")).isEqualTo(users);
    assertThat(http.postDidomi("acme", token, validBody().replace("rejected@", "after-" + UUID.randomUUID() + "@")).statusCode())
        .as("the gateway keeps serving").isEqualTo(202);
  }

  @Test
  void refusalNamesTheFieldPathButNeverTheKey() {
    HttpResponse<String> response = http.postDidomi("acme", token, eventWithKey("secret-\\udc01-key"));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("parameters.entity.user.organization_user_id").doesNotContain("secret");
  }

  @Test
  void keysThatOnceAllBecameQuestionMarksNeverShareARow() {
    // given three keys SQLite once stored alike
    HttpResponse<String> high = http.postDidomi("acme", token, eventWithKey("\\ud800"));
    HttpResponse<String> low = http.postDidomi("acme", token, eventWithKey("\\ud801"));
    HttpResponse<String> question = http.postDidomi("acme", token, eventWithKey("?"));
    // then the two unpaired surrogates are refused, and '?' has a row of its own
    assertThat(high.statusCode()).isEqualTo(400);
    assertThat(low.statusCode()).isEqualTo(400);
    assertThat(question.statusCode()).isEqualTo(202);
    assertThat(store.count("SELECT COUNT(*) FROM webhook_inbox WHERE user_key = '?'")).isEqualTo(1);
    assertThat(store.count("SELECT pending_changes FROM user_state WHERE user_key = '?'")).isEqualTo(1);
  }

  @Test
  void flattenedWebhookIsStoredUnderItsUser() {
    // given a flattened event for a fresh user, arrays by index
    String user = "flat-" + UUID.randomUUID() + "@example.com";
    byte[] nested = utf8(DidomiPayloads.eventCreated(UUID.randomUUID().toString(), user, "2026-11-20T09:00:00Z", true));
    byte[] flat = FlattenedDidomi.flatten(nested, FlattenedDidomi.Arrays.BY_INDEX, false);
    // when it is posted, then it is accepted and stored under that user, with its consent merged
    HttpResponse<String> response = http.postDidomi("acme", token, flat);

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(store.count("SELECT COUNT(*) FROM webhook_inbox WHERE user_key = '" + user + "'")).isEqualTo(1);
    assertThat(store.count("SELECT pending_changes FROM user_state WHERE user_key = '" + user + "'")).isEqualTo(1);
  }

  @Test
  void entityTheGatewayCannotReadIsRefusedWith400NotSkipped() {
    long before = store.inboxRows();

    HttpResponse<String> unknownShape = http.postDidomi("acme", token,
        "{\"type\":\"event.deleted\",\"parameters\":{\"entity\":{\"EventId\":\"e\",\"When\":\"now\"}}}");
    HttpResponse<String> otherSeparator = http.postDidomi("acme", token,
        "{\"type\":\"event.created\",\"parameters\":{\"entity\":{\"id\":\"e-sep\",\"created_at\":\"2026-11-20T09:00:00Z\","
            + "\"user.organization_user_id\":\"dotted@example.com\"}}}");

    assertThat(unknownShape.statusCode()).isEqualTo(400);
    assertThat(unknownShape.body()).contains("invalid_webhook");
    assertThat(otherSeparator.statusCode()).isEqualTo(400);
    assertThat(store.inboxRows()).isEqualTo(before);
  }

  private static String eventWithoutId(String user) {
    return """
        {"type":"event.created","parameters":{"entity":{"organization_id":"acme-org",
          "created_at":"2026-11-20T09:00:00Z","updated_at":"2026-11-20T09:00:00Z","status":"confirmed",
          "user":{"organization_user_id":"%s"},"consents":{"purposes":[{"id":"newsletter","enabled":true}]}}}}"""
        .formatted(user);
  }

  /** A fresh event whose {@code organization_user_id} is {@code jsonKey}, as JSON string content. */
  private static String eventWithKey(String jsonKey) {
    return DidomiPayloads.eventCreated(UUID.randomUUID().toString(), "KEY-PLACEHOLDER", "2026-11-20T09:00:00Z", true)
        .replace("KEY-PLACEHOLDER", jsonKey);
  }

  private static byte[] eventWithRawKey(byte[] key) {
    String[] around = eventWithKey("KEY").split("KEY", 2);
    byte[] head = utf8(around[0]);
    byte[] tail = utf8(around[1]);
    byte[] body = new byte[head.length + key.length + tail.length];
    System.arraycopy(head, 0, body, 0, head.length);
    System.arraycopy(key, 0, body, head.length, key.length);
    System.arraycopy(tail, 0, body, head.length + key.length, tail.length);
    return body;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static void assertRejected(HttpResponse<String> response, int status, String error) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("application/json"));
    assertThat(response.body()).contains("\"error\":\"" + error + "\"").contains("\"detail\"");
    assertThat(store.count("SELECT COUNT(*) FROM webhook_inbox WHERE user_key = 'rejected@example.com'")).isZero();
    assertThat(store.count("SELECT COUNT(*) FROM user_state WHERE user_key = 'rejected@example.com'")).isZero();
  }

  private static String validBody() {
    // a fresh event each time, so a stored one would show up as a new inbox row
    return DidomiPayloads.eventCreated(UUID.randomUUID().toString(), "rejected@example.com", "2026-11-20T09:00:00Z", true);
  }

  private static String hex(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      out.append(String.format("%02x", b));
    }
    return out.toString();
  }
}
