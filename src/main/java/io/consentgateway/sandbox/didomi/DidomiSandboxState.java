package io.consentgateway.sandbox.didomi;

import io.consentgateway.sandbox.CallLog;
import io.consentgateway.sandbox.FaultInjection;
import io.consentgateway.sandbox.WebhookAttempt;
import io.consentgateway.sandbox.WebhookDeliveryLog;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Everything the Didomi sandbox remembers: tokens, users with their merged consents, imported
 * event ids, the call log, faults and emitted webhooks. Synchronized: the server's event loop
 * writes it while tests and admin endpoints read it from other threads; nothing here blocks.
 */
final class DidomiSandboxState {

  /** What importing one event did: the user before (null for a new user) and after. */
  record Imported(JsonObject event, JsonObject before, JsonObject after) {}

  /** A repeated event id: not imported again. */
  static final class DuplicateEvent extends RuntimeException {
    DuplicateEvent(String id) {
      super("event " + id + " was already imported", null, false, false);
    }
  }

  private final DidomiSandboxOptions options;
  private final Map<String, Long> tokenExpiryMs = new HashMap<>();
  private final Map<String, JsonObject> users = new LinkedHashMap<>();
  private final Set<String> importedEventIds = new HashSet<>();
  private long importedEvents;
  private final CallLog<CallLog.Call> calls;
  /** The injected faults; thread-safe on their own. */
  final FaultInjection faults = new FaultInjection();
  private final WebhookDeliveryLog<WebhookDelivery> deliveries = new WebhookDeliveryLog<>();

  DidomiSandboxState(DidomiSandboxOptions options) {
    this.options = options;
    this.calls = new CallLog<>(CallLog.Call::new, options::maxRecordedCalls);
  }

  // ---- calls ----

  synchronized CallLog.Call begin(String method, String path) {
    return calls.begin(method, path);
  }

  synchronized void recordBody(CallLog.Call call, String body) {
    calls.recordBody(call, body);
  }

  /** Ends a call once; false when it had already ended. */
  synchronized boolean end(CallLog.Call call, int status, String responseBody) {
    return calls.end(call, status, responseBody);
  }

  synchronized List<RecordedCall> calls() {
    return List.copyOf(calls.snapshot(c -> new RecordedCall(c.sequence(), c.method(), c.path(), c.startedAtMs(),
        c.endedAtMs(), c.status(), c.requestBody(), c.responseBody())));
  }

  // ---- tokens ----

  synchronized void rememberToken(String token, long expiresAtMs) {
    long now = System.currentTimeMillis();
    tokenExpiryMs.values().removeIf(expiry -> expiry < now - 60_000); // a long run stays small
    tokenExpiryMs.put(token, expiresAtMs);
  }

  /** null when valid, else why not. */
  synchronized String tokenProblem(String token) {
    Long expiry = tokenExpiryMs.get(token);
    if (expiry == null) {
      return "unknown access token";
    }
    return System.currentTimeMillis() >= expiry ? "access token expired" : null;
  }

  synchronized void expireTokens() {
    long now = System.currentTimeMillis();
    tokenExpiryMs.replaceAll((token, expiry) -> now);
  }

  // ---- users and events ----

  /**
   * Imports one validated event: merges its purposes into the user's consents, per purpose and
   * preference, and its user metadata into the user's. Events are partial: a purpose or
   * preference the event does not name is left as it was; {@code enabled: null} changes nothing.
   *
   * @throws DuplicateEvent when {@code event.id} was imported before
   */
  synchronized Imported importEvent(String organizationId, JsonObject event) {
    String eventId = event.getString("id");
    if (eventId != null && importedEventIds.contains(eventId)) {
      throw new DuplicateEvent(eventId);
    }
    if (eventId == null) {
      eventId = UUID.randomUUID().toString();
    }
    importedEventIds.add(eventId);
    importedEvents++;
    String now = Instant.now().toString();
    JsonObject eventUser = event.getJsonObject("user");
    String userKey = eventUser.getString("organization_user_id");
    JsonObject before = users.get(userKey);
    JsonObject after = before == null ? newUser(organizationId, userKey, now) : before.copy();
    if (before != null) {
      after.put("version", before.getLong("version") + 1).put("updated_at", now);
    }
    JsonObject metadata = eventUser.getJsonObject("metadata");
    if (metadata != null) {
      metadata.forEach(e -> after.getJsonObject("metadata").put(e.getKey(), e.getValue()));
    }
    JsonArray purposes = event.getJsonObject("consents", new JsonObject()).getJsonArray("purposes", new JsonArray());
    merge(after.getJsonObject("consents").getJsonArray("purposes"), purposes);
    users.put(userKey, after);
    JsonObject imported = new JsonObject()
        .put("id", eventId)
        .put("organization_id", organizationId)
        .put("created_at", now)
        .put("updated_at", now)
        .put("status", "confirmed")
        .put("user", new JsonObject().put("id", after.getString("id")).put("organization_user_id", userKey))
        .put("consents", new JsonObject().put("purposes", purposes.copy()));
    return new Imported(imported, before == null ? null : before.copy(), after.copy());
  }

  private static JsonObject newUser(String organizationId, String userKey, String now) {
    return new JsonObject()
        .put("id", UUID.randomUUID().toString())
        .put("organization_id", organizationId)
        .put("organization_user_id", userKey)
        .put("metadata", new JsonObject())
        .put("version", 1)
        .put("created_at", now)
        .put("updated_at", now)
        .put("consents", new JsonObject().put("purposes", new JsonArray()));
  }

  private static void merge(JsonArray held, JsonArray changes) {
    for (int i = 0; i < changes.size(); i++) {
      JsonObject change = changes.getJsonObject(i);
      JsonObject purpose = find(held, change.getString("id"));
      if (purpose == null) {
        purpose = new JsonObject().put("id", change.getString("id")).putNull("enabled");
        held.add(purpose);
      }
      if (change.getValue("enabled") != null) {
        purpose.put("enabled", change.getBoolean("enabled"));
      }
      JsonObject values = change.getJsonObject("values");
      if (values != null && !values.isEmpty()) {
        JsonObject heldValues = purpose.getJsonObject("values");
        if (heldValues == null) {
          heldValues = new JsonObject();
          purpose.put("values", heldValues);
        }
        for (String preference : values.fieldNames()) {
          // a preference's selection is replaced as a whole
          heldValues.put(preference, values.getJsonObject(preference).copy());
        }
      }
    }
  }

  private static JsonObject find(JsonArray purposes, String id) {
    for (int i = 0; i < purposes.size(); i++) {
      if (id.equals(purposes.getJsonObject(i).getString("id"))) {
        return purposes.getJsonObject(i);
      }
    }
    return null;
  }

  synchronized Optional<JsonObject> user(String organizationUserId) {
    JsonObject user = users.get(organizationUserId);
    return user == null ? Optional.empty() : Optional.of(user.copy());
  }

  synchronized List<JsonObject> users() {
    return users.values().stream().map(JsonObject::copy).toList();
  }

  synchronized long importedEvents() {
    return importedEvents;
  }

  // ---- emitted webhooks ----

  synchronized long newDelivery(String type, String organizationUserId, String eventId, String body) {
    return deliveries.add(
        sequence -> new WebhookDelivery(sequence, type, organizationUserId, eventId, 0, 0, false, null, body));
  }

  synchronized void attempted(long sequence, WebhookAttempt attempt) {
    deliveries.update(sequence, d -> d.after(attempt));
  }

  synchronized List<WebhookDelivery> deliveries() {
    return deliveries.all();
  }

  synchronized void reset() {
    tokenExpiryMs.clear();
    users.clear();
    importedEventIds.clear();
    importedEvents = 0;
    calls.forgetEnded();
    deliveries.clear();
    faults.clear();
  }
}
