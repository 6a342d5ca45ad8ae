package io.consentgateway.support;

import io.consentgateway.actito.ActitoClient;
import io.consentgateway.actito.ActitoClientSettings;
import io.consentgateway.config.ActitoConfig;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.MetadataAttributes;
import io.consentgateway.config.Secret;
import io.consentgateway.config.SubscriptionMapping;
import io.consentgateway.mapping.ActitoProfileUpdate;
import io.consentgateway.sandbox.actito.ActitoSandbox;
import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.sandbox.actito.SandboxOptions;
import io.consentgateway.webhook.AttributeValue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The one Actito sandbox fixture of the tests. Two ways to start it:
 *
 * <ul>
 *   <li>{@code new ActitoSandboxServer()}: on its own Vert.x instance, outside the gateway under test
 *       (which may be a separate process killed with SIGKILL); the gateway reaches it over HTTP on
 *       loopback only. What Actito holds is read with {@link #subscriptions} and {@link #attributes}.
 *   <li>{@link #start(Vertx, SandboxOptions)}: on the test's Vert.x, with an {@link ActitoClient} of
 *       it ({@link #client}) for the client-level tests; they block on futures from the JUnit thread
 *       only.
 * </ul>
 */
public final class ActitoSandboxServer implements AutoCloseable {

  /** The columns of the test table: every metadata key the tests send and expect in Actito. */
  public static final List<String> TABLE_ATTRIBUTES = List.of(
      "first_name", "last_name", "language", "loyalty_tier", "country", "seq", "huge", "price", "big", "k", "version_seen");

  /** The API key of {@link #options()}. */
  public static final String KEY = "test-api-key";

  public final Vertx vertx;
  public final ActitoSandbox sandbox;
  public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final boolean ownsVertx;
  private ActitoClient client;

  public ActitoSandboxServer() {
    this(gatewayOptions());
  }

  /**
   * The table a gateway started from {@code TestConfig} talks to: the default key, Actito's
   * concurrency limit, but a per-window budget a test can go through in seconds.
   */
  public static SandboxOptions gatewayOptions() {
    return new SandboxOptions()
        .setEntity("acme").setTable("Customers").setUniqueKey("customerId")
        .setSubscriptions(List.of("Newsletter", "SmsOffers"))
        .setAttributes(TABLE_ATTRIBUTES)
        .setApiKeys(List.of(SandboxOptions.DEFAULT_API_KEY))
        .setMaxConcurrentCalls(5)
        .setCallsPerWindow(100_000).setWindow(Duration.ofSeconds(60))
        .setMaxRecordedCalls(200_000);
  }

  public ActitoSandboxServer(SandboxOptions options) {
    this(Vertx.vertx(), options, true);
  }

  private ActitoSandboxServer(Vertx vertx, SandboxOptions options, boolean ownsVertx) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.sandbox = ActitoSandbox.start(vertx, options).await();
  }

  /** A sandbox on the test's own Vert.x (left open on {@link #close()}). */
  public static ActitoSandboxServer start(Vertx vertx, SandboxOptions options) {
    return new ActitoSandboxServer(vertx, options, false);
  }

  /** The table of the client-level tests: acme/Customers keyed on customerId, two subscriptions, key {@link #KEY}. */
  public static SandboxOptions options() {
    return new SandboxOptions()
        .setEntity("acme").setTable("Customers").setUniqueKey("customerId")
        .setSubscriptions(List.of("Newsletter", "SmsOffers"))
        .setApiKeys(List.of(KEY));
  }

  public static ActitoConfig config(boolean upsertMode, String apiKey) {
    return config(upsertMode, apiKey, 100);
  }

  public static ActitoConfig config(boolean upsertMode, String apiKey, int callsPerMinute) {
    return new ActitoConfig(ActitoConfig.SANDBOX, Secret.of(apiKey), "acme", "Customers", "customerId",
        upsertMode, 5, callsPerMinute, 2_000);
  }

  public static IntegrationConfig integration(ActitoConfig actito, MetadataAttributes metadata) {
    return new IntegrationConfig("acme", null, actito,
        List.of(new SubscriptionMapping("Newsletter", "newsletter", null, null),
            new SubscriptionMapping("SmsOffers", "marketing", "channels", "sms")),
        metadata, null, null, null);
  }

  /** A profile update of {@code userId} setting the newsletter, and {@code firstName} when given. */
  public static ActitoProfileUpdate body(String userId, boolean newsletter, String firstName) {
    Map<String, AttributeValue> attributes = new LinkedHashMap<>();
    if (firstName != null) {
      attributes.put("firstName", AttributeValue.ofString(firstName));
    }
    return ActitoProfileUpdate.of("customerId", userId, attributes, Map.of("Newsletter", newsletter), 1_704_067_200_000L);
  }

  public static void waitUntil(BooleanSupplier condition) {
    Eventually.waitUntil(condition);
  }

  public static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  public ActitoSandbox sandbox() {
    return sandbox;
  }

  public String baseUrl() {
    return sandbox.baseUrl();
  }

  /** Client settings for this sandbox, with key {@link #KEY}. */
  public ActitoClientSettings settings(boolean upsertMode) {
    return ActitoClientSettings.from("acme", config(upsertMode, KEY)).withBaseUrl(sandbox.baseUrl());
  }

  public ActitoClient client(ActitoClientSettings settings) {
    return client(settings, Clock.systemUTC());
  }

  /** A client whose licence reads time from {@code clock}: a {@code TestClock} drives its token expiry and pauses. */
  public ActitoClient client(ActitoClientSettings settings, Clock clock) {
    client = new ActitoClient(vertx, settings, registry, clock);
    return client;
  }

  public List<RecordedCall> calls(String method, String pathFragment) {
    return sandbox.calls().stream()
        .filter(c -> c.method().equals(method) && c.path().contains(pathFragment))
        .toList();
  }

  public double counter(String name, String... tags) {
    var counter = registry.find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  /** The profile's subscriptions as Actito holds them, or empty when there is no such profile. */
  public Optional<Map<String, Boolean>> subscriptions(String userKey) {
    return sandbox.profile(userKey).map(profile -> {
      Map<String, Boolean> out = new HashMap<>();
      JsonArray subscriptions = profile.getJsonArray("subscriptions", new JsonArray());
      for (int i = 0; i < subscriptions.size(); i++) {
        JsonObject s = subscriptions.getJsonObject(i);
        out.put(s.getString("name"), s.getBoolean("subscribe"));
      }
      return out;
    });
  }

  /** The profile's attributes as Actito holds them, values as text. */
  public Optional<Map<String, String>> attributes(String userKey) {
    return sandbox.profile(userKey).map(profile -> {
      Map<String, String> out = new HashMap<>();
      JsonArray attributes = profile.getJsonArray("attributes", new JsonArray());
      for (int i = 0; i < attributes.size(); i++) {
        JsonObject a = attributes.getJsonObject(i);
        out.put(a.getString("name"), String.valueOf(a.getValue("value")));
      }
      return out;
    });
  }

  /** Profile calls (not token requests) whose path or body mention {@code userKey}. */
  public List<RecordedCall> callsFor(String userKey) {
    return sandbox.calls().stream()
        .filter(call -> call.path().contains("/profile"))
        .filter(call -> (call.requestBody() != null && call.requestBody().contains("\"" + userKey + "\""))
            || call.path().contains(userKey))
        .toList();
  }

  @Override
  public void close() {
    if (client != null) {
      client.close().await();
    }
    if (ownsVertx) {
      vertx.close().await();
    } else {
      sandbox.stop().await();
    }
  }
}
