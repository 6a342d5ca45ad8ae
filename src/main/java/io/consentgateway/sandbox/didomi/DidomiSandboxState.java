package io.consentgateway.sandbox.didomi;

import io.consentgateway.sandbox.actito.FaultRule;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

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

  /** What the active faults do to one call. */
  record FaultEffect(long latencyMs, int status, String retryAfter, boolean hang) {
    static final FaultEffect NONE = new FaultEffect(0, 0, null, false);
  }

  static final class Call {
    final long sequence;
    final String method;
    final String path;
    final long receivedAtMs;
    long endedAtMs;
    int status;
    String requestBody;
    String responseBody;
    boolean ended;

    Call(long sequence, String method, String path) {
      this.sequence = sequence;
      this.method = method;
      this.path = path;
      this.receivedAtMs = System.currentTimeMillis();
    }

    RecordedCall snapshot() {
      return new RecordedCall(sequence, method, path, receivedAtMs, endedAtMs, status, requestBody, responseBody);
    }
  }

  private final DidomiSandboxOptions options;
  private final Map<String, Long> tokenExpiryMs = new HashMap<>();
  private final Map<String, JsonObject> users = new LinkedHashMap<>();
  private final Set<String> importedEventIds = new HashSet<>();
  private long importedEvents;
  private final Deque<Call> calls = new ArrayDeque<>();
  private long nextSequence = 1;
  private final List<FaultRule> faults = new ArrayList<>();
  private final List<Integer> faultRemaining = new ArrayList<>();
  private final Map<Long, WebhookDelivery> deliveries = new LinkedHashMap<>();
  private long nextDelivery = 1;

  DidomiSandboxState(DidomiSandboxOptions options) {
    this.options = options;
  }

  // ---- calls ----

  synchronized Call begin(String method, String path) {
    var call = new Call(nextSequence++, method, path);
    calls.addLast(call);
    while (calls.size() > options.maxRecordedCalls()) {
      calls.pollFirst();
    }
    return call;
  }

  synchronized void recordBody(Call call, String body) {
    call.requestBody = body;
  }

  /** Ends a call once; false when it had already ended. */
  synchronized boolean end(Call call, int status, String responseBody) {
    if (call.ended) {
      return false;
    }
    call.ended = true;
    call.endedAtMs = System.currentTimeMillis();
    call.status = status;
    call.responseBody = responseBody;
    return true;
  }

  synchronized List<RecordedCall> calls() {
    return calls.stream().map(Call::snapshot).toList();
  }

  // ---- faults ----

  synchronized void addFault(FaultRule rule) {
    faults.add(rule);
    faultRemaining.add(rule.count());
  }

  synchronized void clearFaults() {
    faults.clear();
    faultRemaining.clear();
  }

  synchronized List<FaultRule> faults() {
    return List.copyOf(faults);
  }

  synchronized FaultEffect faultFor(String path) {
    long latency = 0;
    int status = 0;
    String retryAfter = null;
    boolean hang = false;
    for (int i = 0; i < faults.size(); i++) {
      FaultRule rule = faults.get(i);
      int remaining = faultRemaining.get(i);
      if (remaining == 0 || (rule.pathContains() != null && !path.contains(rule.pathContains()))) {
        continue;
      }
      if (rule.ratio() < 1.0 && ThreadLocalRandom.current().nextDouble() >= rule.ratio()) {
        continue;
      }
      boolean terminal = rule.hang() || rule.status() != 0;
      if (terminal && (hang || status != 0)) {
        continue; // the first terminal fault wins; later ones keep their budget
      }
      if (remaining > 0) {
        faultRemaining.set(i, remaining - 1);
      }
      latency += rule.latencyMs();
      if (rule.hang()) {
        hang = true;
      } else if (rule.status() != 0) {
        status = rule.status();
        retryAfter = rule.retryAfter();
      }
    }
    return latency == 0 && status == 0 && !hang ? FaultEffect.NONE : new FaultEffect(latency, status, retryAfter, hang);
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
    long sequence = nextDelivery++;
    deliveries.put(sequence, new WebhookDelivery(sequence, type, organizationUserId, eventId, 0, 0, false, null, body));
    return sequence;
  }

  synchronized void attempted(long sequence, int status, boolean delivered, String error) {
    WebhookDelivery d = deliveries.get(sequence);
    if (d != null) {
      deliveries.put(sequence, new WebhookDelivery(sequence, d.type(), d.organizationUserId(), d.eventId(),
          d.attempts() + 1, status, delivered, error, d.body()));
    }
  }

  synchronized List<WebhookDelivery> deliveries() {
    return List.copyOf(deliveries.values());
  }

  synchronized void reset() {
    tokenExpiryMs.clear();
    users.clear();
    importedEventIds.clear();
    importedEvents = 0;
    calls.removeIf(c -> c.ended);
    deliveries.clear();
    clearFaults();
  }
}
