package io.consentgateway.didomi;

import io.consentgateway.mapping.DidomiConsentEvent;
import io.consentgateway.mapping.ReverseMapper;
import io.consentgateway.webhook.ActitoProfileChange;
import io.consentgateway.support.TestClock;
import io.consentgateway.support.TestIntegrations;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.didomi.DidomiWriteResult.Delivered;
import io.consentgateway.didomi.DidomiWriteResult.Permanent;
import io.consentgateway.remote.RemoteCallException.RetryReason;
import io.consentgateway.didomi.DidomiWriteResult.Retryable;
import io.consentgateway.config.Secret;
import io.consentgateway.sandbox.FaultRule;
import io.consentgateway.sandbox.didomi.DidomiSandbox;
import io.consentgateway.sandbox.didomi.DidomiSandboxOptions;
import io.consentgateway.sandbox.didomi.RecordedCall;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class DidomiClientTest {

  private static final String ORG = "acme-org";
  private static final String ANN = "ann.martin@example.com";

  private Vertx vertx;
  private DidomiSandbox sandbox;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private DidomiClient client;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    sandbox = DidomiSandbox.start(vertx, new DidomiSandboxOptions()
        .setApiKey("didomi-key").setApiSecret("didomi-secret").setOrganizationId(ORG)).await();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close().await();
    }
    sandbox.stop().await();
  }

  @Test
  void eventIsWrittenWithABearerTokenAndReportedDelivered() {
    client = client(settings());

    DidomiWriteResult result = client.writeConsentEvent(ORG, event("e1", false)).await();

    assertThat(result).isEqualTo(new Delivered(201, false));
    assertThat(sandbox.user(ANN).orElseThrow().getJsonObject("consents").getJsonArray("purposes").getJsonObject(0)
        .getBoolean("enabled")).isFalse();
    assertThat(calls("/v1/consents/events")).singleElement()
        .satisfies(c -> assertThat(c.path()).contains("organization_id=acme-org"));
  }

  @Test
  void tokenIsFetchedOnceForManyWrites() {
    client = client(settings());
    List<Future<DidomiWriteResult>> writes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      writes.add(client.writeConsentEvent(ORG, event("e" + i, i % 2 == 0)));
    }

    Future.join(writes).await();

    assertThat(writes).extracting(Future::result).allMatch(r -> r instanceof Delivered);
    assertThat(calls("/v1/sessions")).hasSize(1);
    assertThat(client.tokenRefreshes()).isEqualTo(1);
  }

  @Test
  void writeBacksIssuedTogetherShareRequestsOfAtMostAHundredEvents() {
    client = client(settings());
    client.authenticate().await();
    List<Future<DidomiWriteResult>> writes = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      writes.add(client.writeConsentEvent(ORG, event("b" + i, i % 2 == 0).put("user",
          new JsonObject().put("organization_user_id", "person-" + i + "@example.com"))));
    }

    Future.join(writes).await();

    assertThat(writes).extracting(Future::result).allMatch(r -> r instanceof Delivered);
    assertThat(calls("/v1/consents/events")).as("150 write-backs, two requests").hasSize(2)
        .allMatch(c -> c.status() == 201);
    assertThat(sandbox.user("person-149@example.com")).isPresent();
    assertThat(sandbox.user("person-0@example.com")).isPresent();
  }

  @Test
  void aBatchRefusedAsAWholeIsSentEventByEventSoEachGetsItsOwnAnswer() {
    client = client(settings());
    client.authenticate().await();
    client.writeConsentEvent(ORG, event("seen", true)).await(); // imported before: a retry's duplicate
    List<Future<DidomiWriteResult>> writes = List.of(
        client.writeConsentEvent(ORG, event("ok-1", true)),
        client.writeConsentEvent(ORG, new JsonObject().put("id", "bad").put("user", new JsonObject())
            .put("consents", new JsonObject().put("purposes", new JsonArray()))),
        client.writeConsentEvent(ORG, event("seen", true)));

    Future.join(writes).await();

    assertThat(writes.get(0).result()).isEqualTo(new Delivered(201, false));
    assertThat(writes.get(1).result()).isInstanceOf(Permanent.class);
    assertThat(((Permanent) writes.get(1).result()).status()).isEqualTo(400);
    assertThat(writes.get(2).result()).isEqualTo(new Delivered(409, true));
    // the first alone, then the batch of three (400: one bad event), then each of the three
    assertThat(calls("/v1/consents/events")).extracting(RecordedCall::status).containsExactly(201, 400, 201, 400, 409);
  }

  @Test
  void aBatchWithAnEventImportedBeforeDeliversEveryEvent() {
    client = client(settings());
    client.authenticate().await();
    client.writeConsentEvent(ORG, event("seen", true)).await();
    List<Future<DidomiWriteResult>> writes = List.of(
        client.writeConsentEvent(ORG, event("fresh", false)),
        client.writeConsentEvent(ORG, event("seen", true)));

    Future.join(writes).await();

    assertThat(writes.get(0).result()).isEqualTo(new Delivered(201, false));
    assertThat(writes.get(1).result()).isEqualTo(new Delivered(201, true));
    assertThat(calls("/v1/consents/events")).hasSize(2);
  }

  @Test
  void rejectedTokenIsRefreshedOnceAndTheWriteRetried() {
    client = client(settings());
    client.authenticate().await();
    sandbox.expireTokens();

    DidomiWriteResult result = client.writeConsentEvent(ORG, event("e1", true)).await();

    assertThat(result).isInstanceOf(Delivered.class);
    assertThat(calls("/v1/sessions")).hasSize(2);
    assertThat(calls("/v1/consents/events")).extracting(RecordedCall::status).containsExactly(401, 201);
  }

  @Test
  void tokenIsRefreshedBeforeItsJwtExpiry() {
    sandbox.stop().await();
    sandbox = DidomiSandbox.start(vertx, new DidomiSandboxOptions().setApiKey("didomi-key")
        .setApiSecret("didomi-secret").setOrganizationId(ORG).setTokenLifetime(Duration.ofSeconds(2))).await();
    // the lifetime is the JWT's exp, set by the sandbox's real clock: start the hand-moved clock now
    var clock = new TestClock(Instant.now());
    client = new DidomiClient(vertx, settings().withTokenRefreshMargin(Duration.ofSeconds(60)), registry, clock);

    client.writeConsentEvent(ORG, event("e1", true)).await();
    clock.advance(Duration.ofMillis(1_100)); // past half the 2 s lifetime: the margin is capped at half of it
    client.writeConsentEvent(ORG, event("e2", true)).await();

    assertThat(calls("/v1/sessions")).hasSize(2);
    assertThat(calls("/v1/consents/events")).extracting(RecordedCall::status).containsOnly(201);
  }

  @Test
  void repeatedEventIdIsDeliveredAsAlreadyImported() {
    client = client(settings());
    client.writeConsentEvent(ORG, event("same", true)).await();

    DidomiWriteResult again = client.writeConsentEvent(ORG, event("same", true)).await();

    assertThat(again).isEqualTo(new Delivered(409, true));
    assertThat(sandbox.importedEvents()).isEqualTo(1);
  }

  @Test
  void invalidEventIsPermanentWithDidomisStatusAndBody() {
    client = client(settings());

    DidomiWriteResult result = client.writeConsentEvent(ORG, new JsonObject().put("id", "x")
        .put("consents", new JsonObject().put("purposes", new JsonArray()))).await();

    assertThat(result).isInstanceOfSatisfying(Permanent.class, p -> {
      assertThat(p.status()).isEqualTo(400);
      assertThat(p.body()).contains("user is required");
      assertThat(p.message()).contains("integration acme").doesNotContain("didomi-secret");
    });
  }

  @Test
  void serverErrorIsRetryableWithRetryAfter() {
    client = client(settings());
    client.authenticate().await();
    sandbox.addFault(FaultRule.burst(1, 503, "7"));

    DidomiWriteResult result = client.writeConsentEvent(ORG, event("e1", true)).await();

    assertThat(result).isInstanceOfSatisfying(Retryable.class, r -> {
      assertThat(r.reason()).isEqualTo(RetryReason.SERVER_ERROR);
      assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(7));
      assertThat(r.authFailed()).isFalse();
    });
  }

  @Test
  void rateLimitIsRetryable() {
    client = client(settings());
    client.authenticate().await();
    sandbox.addFault(FaultRule.burst(1, 429));

    DidomiWriteResult result = client.writeConsentEvent(ORG, event("e1", true)).await();

    assertThat(result).isInstanceOfSatisfying(Retryable.class, r -> assertThat(r.reason()).isEqualTo(RetryReason.RATE_LIMITED));
  }

  @Test
  void unansweredCallTimesOutAsRetryable() {
    client = client(settings().withTimeout(Duration.ofMillis(300)));
    client.authenticate().await();
    sandbox.addFault(FaultRule.hang(1));

    DidomiWriteResult result = client.writeConsentEvent(ORG, event("e1", true)).await();

    assertThat(result).isInstanceOfSatisfying(Retryable.class, r -> assertThat(r.reason()).isEqualTo(RetryReason.TIMEOUT));
  }

  @Test
  void unreachableDidomiIsRetryableConnectionFailure() {
    client = client(settings().withBaseUrl("http://127.0.0.1:1"));

    DidomiWriteResult result = client.writeConsentEvent(ORG, event("e1", true)).await();

    assertThat(result).isInstanceOfSatisfying(Retryable.class, r -> {
      assertThat(r.reason()).isEqualTo(RetryReason.CONNECTION);
      assertThat(r.authFailed()).isFalse();
    });
  }

  @Test
  void openBreakerFailsFastWithoutCallingDidomi() {
    client = client(settings().withBreaker(2, Duration.ofSeconds(30)));
    client.authenticate().await();
    sandbox.addFault(FaultRule.fraction(1.0, 500));
    client.writeConsentEvent(ORG, event("e1", true)).await();
    client.writeConsentEvent(ORG, event("e2", true)).await();
    int callsBefore = sandbox.calls().size();

    DidomiWriteResult result = client.writeConsentEvent(ORG, event("e3", true)).await();

    assertThat(client.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
    assertThat(result).isInstanceOfSatisfying(Retryable.class, r -> {
      assertThat(r.reason()).isEqualTo(RetryReason.BREAKER_OPEN);
      assertThat(r.retryAfter()).isNotNull().isPositive();
    });
    assertThat(sandbox.calls()).hasSize(callsBefore);
  }

  @Test
  void refusedSecretIsAnAuthFailureRememberedWithoutNewTokenCalls() {
    client = client(settings("didomi-key", "wrong-secret"));

    DidomiWriteResult first = client.writeConsentEvent(ORG, event("e1", true)).await();
    DidomiWriteResult second = client.writeConsentEvent(ORG, event("e2", true)).await();

    assertThat(first).isInstanceOfSatisfying(Retryable.class, r -> {
      assertThat(r.authFailed()).isTrue();
      assertThat(r.message()).doesNotContain("wrong-secret");
    });
    assertThat(second).isInstanceOfSatisfying(Retryable.class, r -> assertThat(r.authFailed()).isTrue());
    assertThat(calls("/v1/sessions")).hasSize(1);
    assertThat(client.authFailed()).isTrue();
    assertThat(gauge("didomi.auth.failed")).isEqualTo(1.0);
  }

  @Test
  void forbiddenOrganizationIsAnAuthFailureNotADeadLetter() {
    client = client(settings());

    DidomiWriteResult result = client.writeConsentEvent("other-org", event("e1", true)).await();

    assertThat(result).isInstanceOfSatisfying(Retryable.class, r -> assertThat(r.authFailed()).isTrue());
  }

  @Test
  void concurrencyNeverExceedsTheGate() {
    client = client(settings().withPacing(2, 600, Duration.ofSeconds(60)));
    client.authenticate().await();
    sandbox.addFault(FaultRule.latency(50));
    List<Future<DidomiWriteResult>> writes = new ArrayList<>();
    // eight full batches of a hundred: eight requests at once
    for (int i = 0; i < 800; i++) {
      writes.add(client.writeConsentEvent(ORG, event("e" + i, true)));
    }

    Future.join(writes).await();

    assertThat(calls("/v1/consents/events")).hasSize(8);
    assertThat(client.gate().maxInFlightObserved()).isEqualTo(2);
    assertThat(writes).extracting(Future::result).allMatch(r -> r instanceof Delivered);
  }

  @Test
  void callsAreCountedByOperationAndOutcomeWithoutSecretsInTags() {
    client = client(settings());
    client.writeConsentEvent(ORG, event("e1", true)).await();
    client.writeConsentEvent(ORG, event("e1", true)).await();

    assertThat(counter("didomi.calls", "operation", "write_event", "outcome", "success")).isEqualTo(1.0);
    assertThat(counter("didomi.calls", "operation", "write_event", "outcome", "conflict")).isEqualTo(1.0);
    assertThat(counter("didomi.calls", "operation", "token", "outcome", "success")).isEqualTo(1.0);
    assertThat(registry.getMeters()).flatExtracting(m -> m.getId().getTags())
        .noneMatch(t -> t.getValue().contains("didomi-secret") || t.getValue().contains("didomi-key"));
  }

  @Test
  void closingRemovesTheClientsMeters() {
    client = client(settings());
    client.writeConsentEvent(ORG, event("e1", true)).await();

    client.close().await();
    client = null;

    assertThat(registry.getMeters()).extracting(Meter::getId).noneMatch(id -> id.getName().startsWith("didomi."));
  }

  @Test
  void jwtExpiryGivesTheLifetimeAndAnythingElseTheFallback() {
    long now = 1_700_000_000_000L;
    String payload = java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString("{\"exp\":1700000600}".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    assertThat(DidomiTokens.lifetime("h." + payload + ".s", now, Duration.ofHours(1))).isEqualTo(Duration.ofMinutes(10));
    assertThat(DidomiTokens.lifetime("opaque-token", now, Duration.ofHours(1))).isEqualTo(Duration.ofHours(1));
    assertThat(DidomiTokens.lifetime("h.e30.s", now, Duration.ofHours(1))).isEqualTo(Duration.ofHours(1));
    assertThat(DidomiTokens.lifetime("h.!!.s", now, Duration.ofHours(1))).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void eventBuiltByTheReverseMapperIsAcceptedByDidomi() {
    client = client(settings());
    var mapper = new ReverseMapper(TestIntegrations.bidirectional(sandbox.baseUrl()));
    var change = new ActitoProfileChange(0, 5102L, ANN, Map.of("SmsOffers", true), "hook:0");
    DidomiConsentEvent event = mapper.map(change, null).event().orElseThrow();

    DidomiWriteResult result = client.writeConsentEvent(ORG, new JsonObject(event.json())).await();

    assertThat(result).isInstanceOf(Delivered.class);
    assertThat(sandbox.user(ANN).orElseThrow().encode()).contains("\"value\":\"sms\"");
  }

  // ---- helpers ----

  private DidomiClientSettings settings() {
    return settings("didomi-key", "didomi-secret");
  }

  private DidomiClientSettings settings(String key, String secret) {
    var integration = TestIntegrations.bidirectional(sandbox.baseUrl());
    var defaults = DidomiClientSettings.from(integration);
    return new DidomiClientSettings(defaults.integrationId(), defaults.baseUrl(), Secret.of(key), Secret.of(secret),
        defaults.maxConcurrency(), defaults.callsPerWindow(), defaults.rateWindow(), Duration.ofSeconds(2),
        defaults.maxQueued(), defaults.breakerMaxFailures(), defaults.breakerResetTimeout(),
        defaults.tokenRefreshMargin(), defaults.authRetryInterval(), defaults.maxBackoff());
  }

  private DidomiClient client(DidomiClientSettings settings) {
    return new DidomiClient(vertx, settings, registry);
  }

  private List<RecordedCall> calls(String pathFragment) {
    return sandbox.calls().stream().filter(c -> c.path().contains(pathFragment)).toList();
  }

  private double counter(String name, String... tags) {
    var counter = registry.find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  private double gauge(String name) {
    var gauge = registry.find(name).gauge();
    return gauge == null ? -1 : gauge.value();
  }

  private static JsonObject event(String id, boolean newsletter) {
    return new JsonObject().put("id", id)
        .put("user", new JsonObject().put("organization_user_id", ANN))
        .put("consents", new JsonObject().put("purposes", new JsonArray()
            .add(new JsonObject().put("id", "newsletter").put("enabled", newsletter))));
  }

}
