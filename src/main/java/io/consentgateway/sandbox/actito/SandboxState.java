package io.consentgateway.sandbox.actito;

import io.consentgateway.sandbox.CallLog;
import io.consentgateway.sandbox.FaultInjection;
import io.consentgateway.sandbox.WebhookAttempt;
import io.consentgateway.sandbox.WebhookDeliveryLog;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Everything the sandbox remembers: profiles, tokens, the call log, licence counters and faults.
 * Every method is synchronized because the server's event loop writes it while tests and the
 * admin endpoints read it from other threads; no method blocks or does I/O.
 */
final class SandboxState {

  /** A profile as Actito holds it: a numeric id, attribute values and subscription flags. */
  static final class Profile {
    final long id;
    final Map<String, Object> attributes = new LinkedHashMap<>();
    final Map<String, Boolean> subscriptions = new LinkedHashMap<>();

    Profile(long id) {
      this.id = id;
    }

    JsonObject toJson() {
      var attrs = new JsonArray();
      attributes.forEach((name, value) -> attrs.add(new JsonObject().put("name", name).put("value", value)));
      var subs = new JsonArray();
      subscriptions.forEach((name, on) -> subs.add(new JsonObject().put("name", name).put("subscribe", on)));
      return new JsonObject().put("profileId", id).put("attributes", attrs).put("subscriptions", subs);
    }
  }

  /** A call in flight, with when the per-minute budget let it run. */
  static final class Call extends CallLog.Call {
    long admittedAtMs;

    Call(long sequence, String method, String path, long startedAtMs) {
      super(sequence, method, path, startedAtMs);
      this.admittedAtMs = startedAtMs;
    }

    RecordedCall snapshot() {
      return new RecordedCall(sequence(), method(), path(), startedAtMs(), admittedAtMs, endedAtMs(), status(),
          requestBody(), responseBody());
    }
  }

  private final SandboxOptions options;
  private final long windowNanos;

  private final Map<String, Profile> byKey = new HashMap<>();
  private final Map<Long, Profile> byId = new HashMap<>();
  private long nextProfileId = 1;

  private final Map<String, Long> tokenExpiry = new HashMap<>();

  private final CallLog<Call> calls;
  private int inFlight;
  private int maxInFlight;
  private int rejectedForConcurrency;
  private int slowed;
  // admission times (nanoTime) of the last callsPerWindow calls: a sliding-window budget
  private final Deque<Long> admissions = new ArrayDeque<>();

  /** The injected faults; thread-safe on their own. */
  final FaultInjection faults = new FaultInjection();

  private final List<WebhookSubscription> webhookSubscriptions = new ArrayList<>();
  private final WebhookDeliveryLog<WebhookDelivery> deliveries = new WebhookDeliveryLog<>();

  SandboxState(SandboxOptions options) {
    this.options = options;
    this.windowNanos = options.window().toNanos();
    this.calls = new CallLog<>(Call::new, options::maxRecordedCalls);
    this.webhookSubscriptions.addAll(options.webhookSubscriptions());
  }

  // ---- webhook subscriptions and deliveries ----

  /** Adds a subscription; returns its id, its position from 1. */
  synchronized int addWebhookSubscription(WebhookSubscription subscription) {
    webhookSubscriptions.add(subscription);
    return webhookSubscriptions.size();
  }

  synchronized List<WebhookSubscription> webhookSubscriptions() {
    return List.copyOf(webhookSubscriptions);
  }

  synchronized void clearWebhookSubscriptions() {
    webhookSubscriptions.clear();
  }

  synchronized long newDelivery(int subscriptionId, String targetUrl, String webhookId, String body) {
    return deliveries.add(
        sequence -> new WebhookDelivery(sequence, subscriptionId, targetUrl, webhookId, 0, 0, false, null, body));
  }

  synchronized void attempted(long sequence, WebhookAttempt attempt) {
    deliveries.update(sequence, d -> d.after(attempt));
  }

  synchronized List<WebhookDelivery> deliveries() {
    return deliveries.all();
  }

  // ---- licence limits and the call log ----

  synchronized Call begin(String method, String path) {
    Call call = calls.begin(method, path);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return call;
  }

  /** Whether this call is one too many in flight (Actito answers it 429). */
  synchronized boolean overConcurrency() {
    boolean over = inFlight > options.maxConcurrentCalls();
    if (over) {
      rejectedForConcurrency++;
    }
    return over;
  }

  /** Milliseconds this call must wait so that no window holds more than the budget. */
  synchronized long admit(Call call) {
    long now = System.nanoTime();
    long admitAt = now;
    if (admissions.size() >= options.callsPerWindow()) {
      admitAt = Math.max(now, admissions.peekFirst() + windowNanos);
    }
    admissions.addLast(admitAt);
    while (admissions.size() > options.callsPerWindow()) {
      admissions.pollFirst();
    }
    long delayMs = (admitAt - now + 999_999) / 1_000_000;
    if (delayMs > 0) {
      slowed++;
      call.admittedAtMs = call.startedAtMs() + delayMs;
    }
    return delayMs;
  }

  synchronized void recordBody(Call call, String body) {
    calls.recordBody(call, body);
  }

  /** Ends a call once; false when it had already ended (answered, or the client went away). */
  synchronized boolean end(Call call, int status, String responseBody) {
    if (!calls.end(call, status, responseBody)) {
      return false;
    }
    inFlight--;
    return true;
  }

  synchronized List<RecordedCall> calls() {
    return calls.snapshot(Call::snapshot);
  }

  synchronized int inFlight() {
    return inFlight;
  }

  synchronized int maxInFlight() {
    return maxInFlight;
  }

  synchronized int rejectedForConcurrency() {
    return rejectedForConcurrency;
  }

  synchronized int slowed() {
    return slowed;
  }

  // ---- tokens ----

  synchronized String issueToken() {
    String token = "sbx-" + UUID.randomUUID();
    tokenExpiry.put(token, System.nanoTime() + options.tokenLifetime().toNanos());
    // forget expired tokens so a long-running sandbox does not grow
    long now = System.nanoTime();
    tokenExpiry.values().removeIf(expiry -> expiry - now < -windowNanos);
    return token;
  }

  /** null when valid, else why not. */
  synchronized String tokenProblem(String token) {
    Long expiry = tokenExpiry.get(token);
    if (expiry == null) {
      return "unknown access token";
    }
    return System.nanoTime() - expiry >= 0 ? "access token expired" : null;
  }

  synchronized void expireTokens() {
    long now = System.nanoTime();
    tokenExpiry.replaceAll((token, expiry) -> now);
  }

  // ---- profiles ----

  synchronized Optional<Profile> byKey(String value) {
    return Optional.ofNullable(byKey.get(value));
  }

  synchronized Optional<Profile> byId(long id) {
    return Optional.ofNullable(byId.get(id));
  }

  synchronized Profile create(String keyValue) {
    var profile = new Profile(nextProfileId++);
    byKey.put(keyValue, profile);
    byId.put(profile.id, profile);
    return profile;
  }

  /** Moves a profile to a new unique-key value, false when another profile holds it. */
  synchronized boolean rekey(Profile profile, String oldValue, String newValue) {
    if (newValue.equals(oldValue)) {
      return true;
    }
    if (byKey.containsKey(newValue)) {
      return false;
    }
    byKey.remove(oldValue);
    byKey.put(newValue, profile);
    return true;
  }

  synchronized boolean delete(long id) {
    Profile profile = byId.remove(id);
    if (profile == null) {
      return false;
    }
    byKey.values().remove(profile);
    return true;
  }

  synchronized JsonObject profileJson(Profile profile) {
    return profile.toJson();
  }

  synchronized List<JsonObject> profiles() {
    var out = new ArrayList<JsonObject>();
    for (Profile profile : byId.values()) {
      out.add(profile.toJson());
    }
    out.sort((a, b) -> Long.compare(a.getLong("profileId"), b.getLong("profileId")));
    return out;
  }

  synchronized void reset() {
    byKey.clear();
    byId.clear();
    nextProfileId = 1;
    tokenExpiry.clear();
    // calls still in flight keep counting, so only finished ones are forgotten
    calls.forgetEnded();
    maxInFlight = inFlight;
    rejectedForConcurrency = 0;
    slowed = 0;
    admissions.clear();
    faults.clear();
    deliveries.clear(); // subscriptions stay: they are configuration, like the table
  }
}
