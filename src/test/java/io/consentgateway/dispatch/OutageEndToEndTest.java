package io.consentgateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.sandbox.FaultRule;
import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.sandbox.actito.WebhookSubscription;
import io.consentgateway.sandbox.didomi.DidomiSandbox;
import io.consentgateway.sandbox.didomi.DidomiSandboxOptions;
import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.StoreFile;
import io.consentgateway.support.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 12, "outages cost nothing", end to end against the Actito sandbox over HTTP and the real
 * SQLite file: while the licence's breaker is open, its key refused or a 429 pauses it, the lane
 * stops claiming, at most a probe goes out per period, nothing is written per user, and the lane
 * resumes on its own. Outage time does not age a change toward its dead letter.
 */
class OutageEndToEndTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private ActitoSandboxServer actito;
  private Vertx didomiVertx;
  private Gateway gateway;
  private GatewayHttp http;
  private GatewayHttp admin;
  private StoreFile store;
  private String token;

  private void start(TestConfig config) {
    if (actito == null) {
      actito = new ActitoSandboxServer();
    }
    gateway = Gateway.start(config.actito(actito.baseUrl(), true).load());
    http = new GatewayHttp(gateway.ingestPort());
    admin = new GatewayHttp(gateway.adminPort());
    store = new StoreFile(config.storePath());
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
    if (didomiVertx != null) {
      didomiVertx.close().await();
    }
  }

  @Test
  void anOpenBreakerStopsTheLaneWhichSendsOneProbePerPeriodAndResumesByItself() {
    start(new TestConfig(dir));
    actito.sandbox().addFault(FaultRule.fraction(1.0, 503).onPathsContaining("/profile")); // the probe's path too
    for (int i = 0; i < 30; i++) {
      post("down-" + i + "@example.com");
    }
    Eventually.await(WAIT, "the breaker opens", () -> "OPEN".equals(actitoStatus().getString("breaker")));
    Eventually.await(WAIT, "nothing in flight", () -> status().getInteger("inFlight") == 0);
    long logRows = store.count("SELECT COUNT(*) FROM dispatch_log");
    long attempts = store.count("SELECT SUM(attempts) FROM user_state");
    int callsBefore = actito.sandbox().calls().size();

    Eventually.await(WAIT, "three more breaker periods", () -> actito.sandbox().calls().size() >= callsBefore + 3);
    for (int i = 30; i < 40; i++) {
      post("down-" + i + "@example.com"); // ingest goes on
    }

    List<RecordedCall> calls = actito.sandbox().calls();
    List<RecordedCall> probes = calls.subList(callsBefore, calls.size());
    assertThat(probes).as("only probes while the breaker is open")
        .allMatch(call -> call.path().startsWith("/profile-table-structure/"));
    for (int i = 1; i < probes.size(); i++) {
      assertThat(probes.get(i).startedAtMs() - probes.get(i - 1).startedAtMs()).as("one probe per period")
          .isGreaterThanOrEqualTo(400);
    }
    long failedUpdates = calls.stream().filter(c -> c.path().contains("/table/") && c.status() == 503).count();
    assertThat(store.count("SELECT COUNT(*) FROM dispatch_log")).as("no row per retry while stopped").isEqualTo(logRows);
    assertThat(store.count("SELECT SUM(attempts) FROM user_state")).isEqualTo(attempts);
    assertThat(logRows).as("one row per call made, none for the users released").isEqualTo(failedUpdates);
    assertThat(attempts).isEqualTo(failedUpdates);
    assertThat(store.count("SELECT COUNT(*) FROM user_state WHERE attempts = 0")).as("users released").isPositive();
    assertThat(store.count("SELECT COUNT(*) FROM user_state WHERE attempts = 0 AND (sending IS NOT NULL OR leased = 1)"))
        .as("a released user's lease and sending snapshot are gone").isZero();
    JsonObject licence = actitoStatus().getJsonObject("licence");
    assertThat(licence.getString("state")).isEqualTo("breaker_open");
    assertThat(Instant.parse(licence.getString("since"))).isBefore(Instant.now());
    assertThat(licence.getString("nextProbe")).isNotNull();
    assertThat(licence.getString("lastError")).contains("503");

    actito.sandbox().clearFaults();

    awaitBacklogEmpty();
    for (int i = 0; i < 40; i++) {
      assertThat(actito.subscriptions("down-" + i + "@example.com")).hasValue(Map.of("Newsletter", true));
    }
    assertThat(actitoStatus().getJsonObject("licence").getString("state")).isEqualTo("available");
    assertThat(status().getLong("deadLetters")).isZero();
  }

  @Test
  void aRefusedKeyStopsTheLaneAndIsProbedLessAndLessOftenUntilItWorksAgain() {
    // the key is refused from the start (a wrong key configured): not even the table structure is read
    actito = new ActitoSandboxServer();
    actito.sandbox().addFault(FaultRule.fraction(1.0, 401).onPathsContaining("/auth/token"));
    start(new TestConfig(dir).dispatch("{ initialBackoffMs: 50, maxBackoffMs: 60000, maxAttempts: 25 }"));
    for (int i = 0; i < 10; i++) {
      post("refused-" + i + "@example.com");
    }

    Eventually.await(Duration.ofSeconds(15), "three token requests", () -> tokenCalls().size() >= 3);

    List<RecordedCall> tokens = tokenCalls();
    long firstGap = tokens.get(1).startedAtMs() - tokens.get(0).startedAtMs();
    long secondGap = tokens.get(2).startedAtMs() - tokens.get(1).startedAtMs();
    assertThat(firstGap).isGreaterThanOrEqualTo(800);
    assertThat(secondGap).as("the probe interval grows").isGreaterThanOrEqualTo(firstGap * 3 / 2);
    assertThat(actito.sandbox().calls()).as("no profile call without a token").allMatch(c -> c.path().equals("/auth/token"));
    assertThat(store.count("SELECT COUNT(*) FROM dispatch_log")).as("nothing written per user").isZero();
    assertThat(store.count("SELECT SUM(attempts) FROM user_state")).isZero();
    String body = admin.get("/admin/integrations/acme/status").body();
    JsonObject licence = new JsonObject(body).getJsonObject("actito").getJsonObject("licence");
    assertThat(licence.getString("state")).isEqualTo("key_refused");
    assertThat(Instant.parse(licence.getString("nextProbe"))).isAfter(Instant.parse(licence.getString("since")));
    assertThat(licence.getString("lastError")).contains("401");
    assertThat(body).doesNotContain("sandbox-api-key");
    assertThat(new JsonObject(admin.get("/health/ready").body()).encode()).contains("key_refused");

    actito.sandbox().clearFaults(); // the operator fixes the key on Actito's side

    awaitBacklogEmpty();
    assertThat(actito.subscriptions("refused-9@example.com")).hasValue(Map.of("Newsletter", true));
    assertThat(actitoStatus().getJsonObject("licence").getString("state")).isEqualTo("available");
  }

  @Test
  void a429PausesEveryCallOfTheLicenceForTheRetryAfterItSent() {
    start(new TestConfig(dir).dispatch("{ initialBackoffMs: 50, maxBackoffMs: 10000, maxAttempts: 25 }"));
    actito.sandbox().addFault(FaultRule.latency(50));
    actito.sandbox().addFault(FaultRule.burst(1, 429, "2").onPathsContaining("/table/"));

    for (int i = 0; i < 40; i++) {
      post("limited-" + i + "@example.com");
    }

    awaitBacklogEmpty();
    List<RecordedCall> calls = actito.sandbox().calls();
    RecordedCall limited = calls.stream().filter(c -> c.status() == 429).findFirst().orElseThrow();
    assertThat(calls).as("no call starts while the licence is paused")
        .noneMatch(c -> c.startedAtMs() > limited.endedAtMs() + 100 && c.startedAtMs() < limited.endedAtMs() + 1_900);
    assertThat(actito.sandbox().profiles()).hasSize(40);
    assertThat(status().getLong("deadLetters")).isZero();
  }

  @Test
  void aRetryAfterOfAYearIsHonouredOnlyUpToMaxBackoff() {
    start(new TestConfig(dir)); // maxBackoffMs: 500
    actito.sandbox().addFault(FaultRule.burst(1, 429, "31536000").onPathsContaining("/table/"));

    post("patient@example.com");

    awaitBacklogEmpty();
    assertThat(actito.subscriptions("patient@example.com")).hasValue(Map.of("Newsletter", true));
  }

  @Test
  void timeTheLicenceWasBlockedDoesNotAgeAChangeTowardItsDeadLetter() {
    start(new TestConfig(dir).dispatch("{ initialBackoffMs: 50, maxBackoffMs: 500, maxAttempts: 25, maxAgeSeconds: 2 }"));
    actito.sandbox().addFault(FaultRule.fraction(1.0, 503).onPathsContaining("/profile"));
    for (int i = 0; i < 5; i++) {
      post("aged-" + i + "@example.com");
    }
    Eventually.await(WAIT, "the breaker opens", () -> "OPEN".equals(actitoStatus().getString("breaker")));
    long opened = System.currentTimeMillis();
    Eventually.await(WAIT, "an outage longer than maxAgeSeconds", () -> System.currentTimeMillis() - opened > 3_000);

    actito.sandbox().clearFaults();
    actito.sandbox().addFault(FaultRule.burst(1, 503).onPathsContaining("/table/")); // one transient error after it

    awaitBacklogEmpty();
    assertThat(status().getLong("deadLetters")).isZero();
    for (int i = 0; i < 5; i++) {
      assertThat(actito.subscriptions("aged-" + i + "@example.com")).hasValue(Map.of("Newsletter", true));
    }
  }

  @Test
  void theWriteBackHonoursTheRetryAfterOfItsActitoLookup() {
    actito = new ActitoSandboxServer();
    didomiVertx = Vertx.vertx();
    DidomiSandbox didomi = DidomiSandbox.start(didomiVertx,
        new DidomiSandboxOptions().setOrganizationId("acme-org")).await();
    start(new TestConfig(dir).dispatch("{ initialBackoffMs: 50, maxBackoffMs: 10000, maxAttempts: 25 }")
        .integrationExtras("""
            bidirectional:
              enabled: true
              webhookHeader: X-Authorization
              webhookSecret: hook-secret
              didomiApi: { baseUrl: "%s", apiKey: %s, apiSecret: %s }
            """.formatted(didomi.baseUrl(), DidomiSandboxOptions.DEFAULT_API_KEY, DidomiSandboxOptions.DEFAULT_API_SECRET)));
    actito.sandbox().addWebhookSubscription(WebhookSubscription.updatedSubscription(
        "http://127.0.0.1:" + gateway.ingestPort() + "/webhooks/actito/acme", Map.of("X-Authorization", "hook-secret")));
    String user = "writeback@example.com";
    actito.sandbox().seedProfile(user, new JsonObject(), new JsonObject().put("Newsletter", false));
    // the gateway writes true, then false: both within the echo window
    http.postDidomi("acme", token, DidomiPayloads.eventWithSeq(user, 1, true));
    Eventually.await(WAIT, "subscribed", () -> actito.subscriptions(user).equals(java.util.Optional.of(Map.of("Newsletter", true))));
    http.postDidomi("acme", token, DidomiPayloads.eventWithSeq(user, 2, false));
    Eventually.await(WAIT, "unsubscribed", () -> actito.subscriptions(user).equals(java.util.Optional.of(Map.of("Newsletter", false))));
    awaitBacklogEmpty();
    actito.sandbox().addFault(FaultRule.burst(1, 429, "2").onPathsContaining("/profile/customerId="));

    // the user subscribes in Actito: true is a value the gateway wrote a moment ago, so the report is
    // checked against Actito first — and that look-up's 429 Retry-After is honoured
    actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", true));

    Eventually.await(WAIT, "Didomi holds the change", () -> didomi.user(user).isPresent());
    List<RecordedCall> lookups = actito.sandbox().calls().stream()
        .filter(c -> c.path().contains("/profile/customerId=")).toList();
    assertThat(lookups).extracting(RecordedCall::status).startsWith(429, 200);
    assertThat(lookups.get(1).startedAtMs() - lookups.get(0).endedAtMs()).isGreaterThanOrEqualTo(1_900);
  }

  private void post(String user) {
    assertThat(http.postDidomi("acme", token, DidomiPayloads.eventWithSeq(user, 1, true)).statusCode()).isEqualTo(202);
  }

  private List<RecordedCall> tokenCalls() {
    return actito.sandbox().calls().stream().filter(c -> c.path().equals("/auth/token")).toList();
  }

  private void awaitBacklogEmpty() {
    Eventually.await(WAIT, "an empty backlog", () -> status().getLong("backlog") == 0 && status().getInteger("inFlight") == 0,
        () -> status().encode());
  }

  private JsonObject status() {
    return new JsonObject(admin.get("/admin/integrations/acme/status").body());
  }

  private JsonObject actitoStatus() {
    return status().getJsonObject("actito");
  }
}
