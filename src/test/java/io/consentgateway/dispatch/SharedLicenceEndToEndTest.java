package io.consentgateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.sandbox.FaultRule;
import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.sandbox.actito.SandboxOptions;
import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.TestConfig;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two integrations on one Actito API key and host share one licence (docs/design.md §2 and guarantee 8):
 * one pacing gate, one token, one breaker, paced to the lowest limits either configures. Against a
 * sandbox enforcing Actito's real limits (5 concurrent, 100 per minute).
 */
class SharedLicenceEndToEndTest {

  private static final Duration WAIT = Duration.ofSeconds(40);

  @TempDir Path dir;
  private ActitoSandboxServer actito;
  private Gateway gateway;
  private GatewayHttp http;
  private GatewayHttp admin;

  @BeforeEach
  void start() {
    actito = new ActitoSandboxServer(new SandboxOptions()
        .setEntity("acme").setTable("Customers").setUniqueKey("customerId")
        .setSubscriptions(List.of("Newsletter", "SmsOffers"))
        .setApiKeys(List.of(SandboxOptions.DEFAULT_API_KEY))
        .setMaxConcurrentCalls(5)
        .setCallsPerWindow(100).setWindow(Duration.ofSeconds(60)));
    // globex asks for more than the licence gives: the lowest of the two wins
    gateway = Gateway.start(new TestConfig(dir).actito(actito.baseUrl(), true).callsPerMinute(100)
        .moreIntegrations("""
            - id: globex
              didomi: { organizationId: acme-org, regulation: gdpr }
              actito:
                baseUrl: "%s"
                apiKey: %s
                entity: acme
                table: Customers
                userUniqueKey: customerId
                upsertMode: true
                callsPerMinute: 120
                timeoutMs: 2000
                breakerResetMs: 500
              dispatch: { initialBackoffMs: 50, maxBackoffMs: 500, maxAttempts: 25 }
              mappings:
                - { subscription: Newsletter, purpose: newsletter }
            """.formatted(actito.baseUrl(), SandboxOptions.DEFAULT_API_KEY))
        .load());
    http = new GatewayHttp(gateway.ingestPort());
    admin = new GatewayHttp(gateway.adminPort());
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
  void twoIntegrationsDrivenHardOnOneKeyStayWithinTheLicenceTogetherAndGetNo429() {
    actito.sandbox().addFault(FaultRule.latency(40)); // keep calls overlapping
    String token = http.token();
    List<CompletableFuture<HttpResponse<String>>> posted = new ArrayList<>();
    // 97 changes, the one token request and each integration's read of the table structure:
    // exactly the licence's 100 calls of a minute
    for (int i = 0; i < 49; i++) {
      posted.add(http.postDidomiAsync("acme", token, DidomiPayloads.eventWithSeq("acme-" + i + "@example.com", 1, true)));
      if (i < 48) {
        posted.add(http.postDidomiAsync("globex", token,
            DidomiPayloads.eventWithSeq("globex-" + i + "@example.com", 1, true)));
      }
    }
    posted.forEach(response -> assertThat(response.join().statusCode()).isEqualTo(202));

    Eventually.await(WAIT, "both backlogs empty", () -> idle("acme") && idle("globex"),
        () -> actito.sandbox().stats().encode());

    List<RecordedCall> calls = actito.sandbox().calls();
    assertThat(calls).extracting(RecordedCall::status).doesNotContain(429);
    assertThat(actito.sandbox().rejectedForConcurrency()).isZero();
    assertThat(actito.sandbox().maxInFlightObserved()).isLessThanOrEqualTo(5);
    assertThat(actito.sandbox().slowedCalls()).as("calls beyond 100 in a minute").isZero();
    assertThat(calls.stream().filter(c -> c.path().equals("/auth/token"))).as("one token for the licence").hasSize(1);
    assertThat(calls.stream().filter(c -> c.path().startsWith("/profile-table-structure"))).hasSize(2);
    assertThat(actito.sandbox().profiles()).hasSize(97);
  }

  @Test
  void statusNamesTheLicenceByHostAndKeyFingerprintAndTheIntegrationsSharingIt() throws Exception {
    HttpResponse<String> response = admin.get("/admin/integrations/globex/status");
    JsonObject licence = new JsonObject(response.body()).getJsonObject("actito").getJsonObject("licence");

    String fingerprint = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(SandboxOptions.DEFAULT_API_KEY.getBytes(StandardCharsets.UTF_8))).substring(0, 8);
    assertThat(licence.getString("baseUrl")).isEqualTo(actito.baseUrl());
    assertThat(licence.getString("keyFingerprint")).isEqualTo(fingerprint);
    assertThat(licence.getJsonArray("integrations").getList()).containsExactly("acme", "globex");
    assertThat(licence.getInteger("maxConcurrency")).isEqualTo(5);
    assertThat(licence.getInteger("callsPerMinute")).isEqualTo(100);
    assertThat(licence.getString("state")).isEqualTo("available");
    assertThat(response.body()).doesNotContain(SandboxOptions.DEFAULT_API_KEY);
  }

  private boolean idle(String integration) {
    JsonObject status = new JsonObject(admin.get("/admin/integrations/" + integration + "/status").body());
    return status.getLong("backlog") == 0 && status.getInteger("inFlight") == 0;
  }
}
