package io.consentgateway.support;

import io.consentgateway.sandbox.actito.ActitoSandbox;
import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.sandbox.actito.SandboxOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Actito sandbox on its own Vert.x instance, outside the gateway under test (which may be a
 * separate process killed with SIGKILL): the gateway reaches it over HTTP on loopback only.
 */
public final class ActitoSandboxServer implements AutoCloseable {

  /** The columns of the test table: every metadata key the tests send and expect in Actito. */
  public static final List<String> TABLE_ATTRIBUTES = List.of(
      "first_name", "last_name", "language", "loyalty_tier", "country", "seq", "huge", "price", "big", "k", "version_seen");

  private final Vertx vertx = Vertx.vertx();
  private final ActitoSandbox sandbox;

  public ActitoSandboxServer() {
    // Actito's concurrency limit, but a per-window budget a test can go through in seconds
    this(new SandboxOptions()
        .setEntity("acme").setTable("Customers").setUniqueKey("customerId")
        .setSubscriptions(List.of("Newsletter", "SmsOffers"))
        .setAttributes(TABLE_ATTRIBUTES)
        .setApiKeys(List.of(SandboxOptions.DEFAULT_API_KEY))
        .setMaxConcurrentCalls(5)
        .setCallsPerWindow(100_000).setWindow(Duration.ofSeconds(60))
        .setMaxRecordedCalls(200_000));
  }

  public ActitoSandboxServer(SandboxOptions options) {
    this.sandbox = ActitoSandbox.start(vertx, options).await();
  }

  public ActitoSandbox sandbox() {
    return sandbox;
  }

  public String baseUrl() {
    return sandbox.baseUrl();
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
    vertx.close().await();
  }
}
