package io.consentgateway.actito;

import io.consentgateway.mapping.ActitoProfileUpdate;
import io.consentgateway.webhook.AttributeValue;
import java.util.LinkedHashMap;
import java.util.Map;

import io.consentgateway.config.ActitoConfig;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.MetadataAttributes;
import io.consentgateway.config.Secret;
import io.consentgateway.config.SubscriptionMapping;
import io.consentgateway.support.Eventually;
import io.consentgateway.sandbox.actito.ActitoSandbox;
import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.sandbox.actito.SandboxOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/** A sandbox and a client of it, for one test; tests block on futures from the JUnit thread only. */
final class SandboxFixture implements AutoCloseable {

  static final String KEY = "test-api-key";

  final Vertx vertx;
  final ActitoSandbox sandbox;
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  ActitoClient client;

  private SandboxFixture(Vertx vertx, ActitoSandbox sandbox) {
    this.vertx = vertx;
    this.sandbox = sandbox;
  }

  static SandboxOptions options() {
    return new SandboxOptions()
        .setEntity("acme").setTable("Customers").setUniqueKey("customerId")
        .setSubscriptions(List.of("Newsletter", "SmsOffers"))
        .setApiKeys(List.of(KEY));
  }

  static SandboxFixture start(Vertx vertx, SandboxOptions options) {
    return new SandboxFixture(vertx, ActitoSandbox.start(vertx, options).await());
  }

  static ActitoConfig config(boolean upsertMode, String apiKey) {
    return config(upsertMode, apiKey, 100);
  }

  static ActitoConfig config(boolean upsertMode, String apiKey, int callsPerMinute) {
    return new ActitoConfig(ActitoConfig.SANDBOX, Secret.of(apiKey), "acme", "Customers", "customerId",
        upsertMode, 5, callsPerMinute, 2_000);
  }

  static IntegrationConfig integration(ActitoConfig actito, MetadataAttributes metadata) {
    return new IntegrationConfig("acme", null, actito,
        List.of(new SubscriptionMapping("Newsletter", "newsletter", null, null),
            new SubscriptionMapping("SmsOffers", "marketing", "channels", "sms")),
        metadata, null, null, null);
  }

  ActitoClientSettings settings(boolean upsertMode) {
    return ActitoClientSettings.from("acme", config(upsertMode, KEY)).withBaseUrl(sandbox.baseUrl());
  }

  ActitoClient client(ActitoClientSettings settings) {
    return client(settings, java.time.Clock.systemUTC());
  }

  /** A client whose licence reads time from {@code clock}: a {@code TestClock} drives its token expiry and pauses. */
  ActitoClient client(ActitoClientSettings settings, java.time.Clock clock) {
    client = new ActitoClient(vertx, settings, registry, clock);
    return client;
  }

  List<RecordedCall> calls(String method, String pathFragment) {
    return sandbox.calls().stream()
        .filter(c -> c.method().equals(method) && c.path().contains(pathFragment))
        .toList();
  }

  double counter(String name, String... tags) {
    var counter = registry.find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  static ActitoProfileUpdate body(String userId, boolean newsletter, String firstName) {
    Map<String, AttributeValue> attributes = new LinkedHashMap<>();
    if (firstName != null) {
      attributes.put("firstName", AttributeValue.ofString(firstName));
    }
    return ActitoProfileUpdate.of("customerId", userId, attributes, Map.of("Newsletter", newsletter), 1_704_067_200_000L);
  }

  static void waitUntil(BooleanSupplier condition) {
    Eventually.waitUntil(condition);
  }

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  @Override
  public void close() {
    if (client != null) {
      client.close().await();
    }
    sandbox.stop().await();
  }
}
