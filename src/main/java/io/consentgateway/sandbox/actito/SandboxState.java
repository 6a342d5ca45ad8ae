package io.consentgateway.sandbox.actito;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

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

  /** The mutable form of a {@link RecordedCall} while the call is in flight. */
  static final class Call {
    final long sequence;
    final String method;
    final String path;
    final long startedAtMs;
    long admittedAtMs;
    long endedAtMs;
    int status;
    String requestBody;
    String responseBody;
    boolean ended;

    Call(long sequence, String method, String path, long startedAtMs) {
      this.sequence = sequence;
      this.method = method;
      this.path = path;
      this.startedAtMs = startedAtMs;
      this.admittedAtMs = startedAtMs;
    }

    RecordedCall snapshot() {
      return new RecordedCall(
          sequence, method, path, startedAtMs, admittedAtMs, endedAtMs, status, requestBody, responseBody);
    }
  }

  /** What the active faults do to one call. */
  record FaultEffect(long latencyMs, int status, String retryAfter, boolean hang) {
    static final FaultEffect NONE = new FaultEffect(0, 0, null, false);
  }

  private final SandboxOptions options;
  private final long windowNanos;

  private final Map<String, Profile> byKey = new HashMap<>();
  private final Map<Long, Profile> byId = new HashMap<>();
  private long nextProfileId = 1;

  private final Map<String, Long> tokenExpiry = new HashMap<>();

  private final Deque<Call> calls = new ArrayDeque<>();
  private long nextSequence = 1;
  private int inFlight;
  private int maxInFlight;
  private int rejectedForConcurrency;
  private int slowed;
  // admission times (nanoTime) of the last callsPerWindow calls: a sliding-window budget
  private final Deque<Long> admissions = new ArrayDeque<>();

  private final List<FaultRule> faults = new ArrayList<>();
  private final List<Integer> faultRemaining = new ArrayList<>();

  private final List<WebhookSubscription> webhookSubscriptions = new ArrayList<>();
  private final Map<Long, WebhookDelivery> deliveries = new LinkedHashMap<>();
  private long nextDelivery = 1;

  SandboxState(SandboxOptions options) {
    this.options = options;
    this.windowNanos = options.window().toNanos();
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
    long sequence = nextDelivery++;
    deliveries.put(sequence, new WebhookDelivery(sequence, subscriptionId, targetUrl, webhookId, 0, 0, false, null, body));
    return sequence;
  }

  synchronized void attempted(long sequence, int status, boolean delivered, String error) {
    WebhookDelivery d = deliveries.get(sequence);
    if (d != null) {
      deliveries.put(sequence, new WebhookDelivery(sequence, d.subscriptionId(), d.targetUrl(), d.webhookId(),
          d.attempts() + 1, status, delivered, error, d.body()));
    }
  }

  synchronized List<WebhookDelivery> deliveries() {
    return List.copyOf(deliveries.values());
  }

  // ---- licence limits and the call log ----

  synchronized Call begin(String method, String path) {
    var call = new Call(nextSequence++, method, path, System.currentTimeMillis());
    calls.addLast(call);
    while (calls.size() > options.maxRecordedCalls()) {
      calls.pollFirst();
    }
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
      call.admittedAtMs = call.startedAtMs + delayMs;
    }
    return delayMs;
  }

  synchronized void recordBody(Call call, String body) {
    call.requestBody = body;
  }

  /** Ends a call once; false when it had already ended (answered, or the client went away). */
  synchronized boolean end(Call call, int status, String responseBody) {
    if (call.ended) {
      return false;
    }
    call.ended = true;
    call.endedAtMs = System.currentTimeMillis();
    call.status = status;
    call.responseBody = responseBody;
    inFlight--;
    return true;
  }

  synchronized List<RecordedCall> calls() {
    var out = new ArrayList<RecordedCall>(calls.size());
    for (Call call : calls) {
      out.add(call.snapshot());
    }
    return out;
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
      if (remaining == 0 || !rule.appliesTo(path)) {
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
    for (Iterator<Call> it = calls.iterator(); it.hasNext(); ) {
      if (it.next().ended) {
        it.remove();
      }
    }
    maxInFlight = inFlight;
    rejectedForConcurrency = 0;
    slowed = 0;
    admissions.clear();
    clearFaults();
    deliveries.clear(); // subscriptions stay: they are configuration, like the table
  }
}
