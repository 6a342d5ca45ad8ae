package io.consentgateway.integrity;

import io.consentgateway.app.Gateway;
import io.consentgateway.sandbox.actito.SandboxOptions;
import io.consentgateway.sandbox.actito.WebhookSubscription;
import io.consentgateway.sandbox.didomi.DidomiSandbox;
import io.consentgateway.sandbox.didomi.DidomiSandboxOptions;
import io.consentgateway.sandbox.didomi.DidomiWebhookTarget;
import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The whole loop in one JVM for the focused tests of this package: the gateway in-process, in
 * upsert mode with the bidirectional flow on, the Actito sandbox (Actito's 5 concurrent calls, a
 * budget per minute as given) and the Didomi sandbox, each calling the gateway's webhooks.
 */
final class Loop implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(30);
  private static final String SECRET = "loop-actito-secret";

  final ActitoSandboxServer actito;
  final Vertx didomiVertx = Vertx.vertx();
  final DidomiSandbox didomi;
  final TestConfig config;
  Gateway gateway;
  final GatewayHttp http;
  final GatewayHttp admin;

  Loop(Path dir, int callsPerMinute, boolean bidirectional) {
    this(dir, callsPerMinute, bidirectional, config -> {});
  }

  /** As {@link #Loop(Path, int, boolean)}, with {@code tweak} applied to the configuration before the gateway starts. */
  Loop(Path dir, int callsPerMinute, boolean bidirectional, java.util.function.Consumer<TestConfig> tweak) {
    config = new TestConfig(dir);
    String self = "http://127.0.0.1:" + config.port();
    SandboxOptions options = new SandboxOptions()
        .setEntity("acme").setTable("Customers").setUniqueKey("customerId")
        .setSubscriptions(List.of(Consent.NEWSLETTER, Consent.SMS_OFFERS))
        .setAttributes(List.of("first_name", "seq"))
        .setMaxConcurrentCalls(5)
        .setCallsPerWindow(callsPerMinute).setWindow(Duration.ofSeconds(60));
    if (bidirectional) {
      options.addWebhookSubscription(WebhookSubscription.updatedSubscription(self + "/webhooks/actito/acme",
          Map.of("X-Authorization", SECRET)));
    }
    actito = new ActitoSandboxServer(options);
    didomi = DidomiSandbox.start(didomiVertx, new DidomiSandboxOptions().setOrganizationId("acme-org")).await();
    config.actito(actito.baseUrl(), true).callsPerMinute(callsPerMinute);
    if (bidirectional) {
      config.integrationExtras("""
          bidirectional:
            enabled: true
            webhookHeader: X-Authorization
            webhookSecret: %s
            didomiApi: { baseUrl: "%s", apiKey: %s, apiSecret: %s }
          """.formatted(SECRET, didomi.baseUrl(), DidomiSandboxOptions.DEFAULT_API_KEY,
          DidomiSandboxOptions.DEFAULT_API_SECRET));
      didomi.emitWebhooksTo(new DidomiWebhookTarget(self + "/webhooks/didomi/acme", self + "/oauth/token",
          TestConfig.CLIENT_ID, TestConfig.CLIENT_SECRET));
    }
    tweak.accept(config);
    gateway = Gateway.start(config.load());
    http = new GatewayHttp(config.port());
    admin = new GatewayHttp(config.adminPort());
  }

  /** Stops the gateway and starts it again on the same store, ports and configuration. */
  void restart() {
    gateway.stop();
    gateway = Gateway.start(config.load());
  }

  JsonObject status() {
    return new JsonObject(admin.get("/admin/integrations/acme/status").body());
  }

  String view(String user) {
    return admin.get("/admin/integrations/acme/users/" + user).body();
  }

  /** What Didomi holds of the user, read by the gateway's own Didomi → Actito rules. */
  Map<String, Boolean> inDidomi(String user) {
    return didomi.user(user).map(Consent::of).orElse(Consent.NONE).mapped();
  }

  /**
   * Both lanes empty, nothing in flight, nothing queued for {@code user}, every webhook of both
   * sandboxes answered, twice in a row.
   */
  void awaitQuiet(String user) {
    for (int i = 0; i < 2; i++) {
      Eventually.await(WAIT, "a settled loop", () -> {
        JsonObject view = new JsonObject(view(user));
        if (!view.containsKey("pendingDidomiWrites") // not heard of yet
            || view.getValue("pendingSince") != null || !view.getJsonArray("pendingDidomiWrites").isEmpty()) {
          return false;
        }
        JsonObject status = status();
        JsonObject writeBack = status.getJsonObject("didomi");
        return status.getLong("backlog") == 0 && status.getInteger("inFlight") == 0
            && (writeBack == null || writeBack.getInteger("inFlight") == 0)
            && actito.sandbox().inFlight() == 0
            && actito.sandbox().webhookDeliveries().stream().allMatch(d -> d.delivered() || d.attempts() >= 3)
            && didomi.webhookDeliveries().stream().allMatch(d -> d.delivered() || d.attempts() >= 5);
      }, () -> status().encode() + "\n" + view(user));
      try {
        Thread.sleep(300); // a webhook between the systems may still be on its way
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    if (gateway != null) {
      gateway.stop();
    }
    didomiVertx.close().await();
    actito.close();
  }
}
