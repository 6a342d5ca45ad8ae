package io.consentgateway.sandbox.actito;

import io.consentgateway.sandbox.FaultInjection;
import io.consentgateway.sandbox.FaultRule;
import io.consentgateway.sandbox.SandboxServer;
import io.consentgateway.sandbox.WebhookAttempt;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stand-in for the Actito REST API (docs/design.md §2), served over real HTTP: token issue and
 * expiry, one profile table keyed by a unique attribute (create / update / lookup / subscriptions),
 * its table structure, JSON error bodies, and the licence limits (one call over
 * {@link SandboxOptions#maxConcurrentCalls()} in flight gets 429; calls over
 * {@link SandboxOptions#callsPerWindow()} per {@link SandboxOptions#window()} are delayed, not
 * rejected). Faults can be injected ({@link FaultRule}) and everything it received or holds can be
 * inspected, from Java or over its {@code /_sandbox/...} admin endpoints, which are neither
 * limited, faulted nor logged.
 *
 * <p>Webhook subscriptions ({@link WebhookSubscription}, from {@link
 * SandboxOptions#webhookSubscriptions()} or {@code POST /_sandbox/webhooks}) make it behave like
 * Actito's {@code UPDATED_SUBSCRIPTION} webhooks (docs/design.md §2, Actito webhooks): whenever a profile's
 * subscriptions change — through the API (upsert, subscribe, unsubscribe: the gateway's own writes
 * included, which is the echo the gateway must recognise) or through {@link
 * #changeSubscriptions} / {@code POST /_sandbox/profiles/{uniqueKeyValue}/subscriptions} (a user
 * clicking unsubscribe in an Actito email) — it POSTs {@code {"id": uuid, "data": {"profileId",
 * "<uniqueKey>": value, "subscriptions": [{name, subscribe}]}, "_links": {"webhook": {"href"}}}}
 * to each target with the subscription's headers. The payload carries the subscriptions the
 * operation provided; nothing is sent when none of them changed. Delivery is asynchronous, after
 * the API answer, retried on 5xx/408/429/no answer up to {@link SandboxOptions#webhookMaxAttempts()}
 * times, and recorded ({@link #webhookDeliveries()}, {@code GET /_sandbox/webhooks/deliveries}).
 *
 * <p>Start it with {@link #start(Vertx, SandboxOptions)}; it runs as its own verticle, so it never
 * shares an event loop with the caller's code.
 */
public final class ActitoSandbox {

  private static final Logger LOG = LoggerFactory.getLogger(ActitoSandbox.class);
  private static final String ADMIN_PREFIX = "/_sandbox";
  private static final String TOKEN_PATH = "/auth/token";
  private static final String PROFILES_PREFIX = "/profiles/v4/entity/";
  private static final String PROFILES_V5_PREFIX = "/profiles/v5/entities/";
  private static final String STRUCTURE_PREFIX = "/profile-table-structure/v5/entities/";
  private static final String MASS_IMPORTS_PREFIX = "/mass-imports/v5/entities/";
  private static final long MAX_IMPORT_BYTES = 100L * 1024 * 1024;
  private static final String CALL = "sandbox.call";

  private final Vertx vertx;
  private final SandboxOptions options;
  private final SandboxState state;
  // the table's columns; an operator may add or drop one while the gateway runs
  private volatile Set<String> knownAttributes;
  private final Set<String> knownSubscriptions;
  private final SandboxServer server;

  private ActitoSandbox(Vertx vertx, SandboxOptions options) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.options = Objects.requireNonNull(options, "options");
    this.state = new SandboxState(options);
    this.knownAttributes = Set.copyOf(new LinkedHashSet<>(options.attributes()));
    this.knownSubscriptions = new HashSet<>(options.subscriptions());
    this.server = new SandboxServer(vertx, options.host(), options.port(), "actito-sandbox", routes());
  }

  /** Starts a sandbox; the future completes once it listens, with its actual port. */
  public static Future<ActitoSandbox> start(Vertx vertx, SandboxOptions options) {
    var sandbox = new ActitoSandbox(vertx, options);
    return sandbox.server.start().map(v -> {
      LOG.info("Actito sandbox listening on {} (entity {}, table {}, unique key {})",
          sandbox.baseUrl(), options.entity(), options.table(), options.uniqueKey());
      return sandbox;
    });
  }

  public Future<Void> stop() {
    return server.stop();
  }

  public int port() {
    return server.port();
  }

  /** What a client uses as Actito's base URL, e.g. {@code http://127.0.0.1:41234}. */
  public String baseUrl() {
    return server.baseUrl();
  }

  public SandboxOptions options() {
    return options;
  }

  // ---- inspection and control (also served under /_sandbox) ----

  /** Every call received, oldest first (up to {@link SandboxOptions#maxRecordedCalls()}). */
  public List<RecordedCall> calls() {
    return state.calls();
  }

  /** The profile whose unique key holds {@code uniqueKeyValue}, in lookup form. */
  public Optional<JsonObject> profile(String uniqueKeyValue) {
    synchronized (state) {
      return state.byKey(uniqueKeyValue).map(state::profileJson);
    }
  }

  public List<JsonObject> profiles() {
    return state.profiles();
  }

  /** Creates a profile directly, as if it already existed in Actito; returns its id. */
  public long seedProfile(String uniqueKeyValue, JsonObject attributes, JsonObject subscriptions) {
    synchronized (state) {
      if (state.byKey(uniqueKeyValue).isPresent()) {
        throw new IllegalStateException("profile " + uniqueKeyValue + " already exists");
      }
      var profile = created(uniqueKeyValue);
      attributes.forEach(e -> profile.attributes.put(e.getKey(), e.getValue()));
      subscriptions.forEach(e -> profile.subscriptions.put(e.getKey(), (Boolean) e.getValue()));
      return profile.id;
    }
  }

  /** Removes a profile, as an Actito user deleting it would. */
  public boolean deleteProfile(long profileId) {
    return state.delete(profileId);
  }

  /**
   * Changes the table's attributes, as an Actito operator adding or dropping a column would: the
   * table-structure call and the validation of writes follow at once (empty: any name accepted).
   */
  public void setTableAttributes(List<String> attributes) {
    knownAttributes = Set.copyOf(new LinkedHashSet<>(attributes));
  }

  private record AnswerDelay(long millis, String pathContains) {}

  private volatile AnswerDelay answerDelay;

  /**
   * From now on, successful calls whose path contains {@code pathContains} take effect at once but
   * are answered {@code millis} later — as an Actito that applied a change and answers slowly —
   * until {@link #clearAnswerDelay()}. Webhooks the change causes leave before the answer.
   */
  public void delayAnswers(long millis, String pathContains) {
    answerDelay = new AnswerDelay(millis, Objects.requireNonNull(pathContains, "pathContains"));
  }

  public void clearAnswerDelay() {
    answerDelay = null;
  }

  public int maxInFlightObserved() {
    return state.maxInFlight();
  }

  public int inFlight() {
    return state.inFlight();
  }

  /** Calls answered 429 because too many were in flight. */
  public int rejectedForConcurrency() {
    return state.rejectedForConcurrency();
  }

  /** Calls the per-minute budget delayed. */
  public int slowedCalls() {
    return state.slowed();
  }

  public void addFault(FaultRule rule) {
    state.faults.add(rule);
  }

  public void clearFaults() {
    state.faults.clear();
  }

  /** Makes every token issued so far expired, so the next call with one gets 401. */
  public void expireTokens() {
    state.expireTokens();
  }

  /** Adds a webhook subscription; returns its id (its position, from 1). */
  public int addWebhookSubscription(WebhookSubscription subscription) {
    return state.addWebhookSubscription(Objects.requireNonNull(subscription, "subscription"));
  }

  public List<WebhookSubscription> webhookSubscriptions() {
    return state.webhookSubscriptions();
  }

  public void clearWebhookSubscriptions() {
    state.clearWebhookSubscriptions();
  }

  /** Every webhook sent (or being sent), oldest first. */
  public List<WebhookDelivery> webhookDeliveries() {
    return state.deliveries();
  }

  /**
   * A user changing subscriptions in Actito (an unsubscribe link in an email): sets them on the
   * profile whose unique key holds {@code uniqueKeyValue} and notifies the webhook subscriptions
   * when one changed. False when there is no such profile.
   *
   * @throws IllegalArgumentException for a subscription the table does not have
   */
  public boolean changeSubscriptions(String uniqueKeyValue, Map<String, Boolean> subscriptions) {
    var provided = new JsonArray();
    subscriptions.forEach((name, on) -> provided.add(new JsonObject().put("name", name).put("subscribe", on)));
    synchronized (state) {
      String invalid = invalidNames(new JsonArray(), provided);
      if (invalid != null) {
        throw new IllegalArgumentException(invalid);
      }
      Optional<SandboxState.Profile> profile = state.byKey(uniqueKeyValue);
      if (profile.isEmpty()) {
        return false;
      }
      if (applySubscriptions(profile.get(), provided)) {
        notifySubscriptionChange(profile.get(), provided);
      }
      return true;
    }
  }

  /** What {@link #userChangesSubscriptions} did. */
  public enum UserChange {
    /** No profile has that unique key value: nothing happened. */
    NO_SUCH_PROFILE,
    /** The profile already held every value: nothing changed, no webhook is sent (as Actito). */
    NOTHING_CHANGED,
    /** At least one subscription changed: the webhook subscriptions are notified. */
    CHANGED
  }

  /**
   * As {@link #changeSubscriptions}, telling whether anything changed, decided atomically with the
   * change: a test that models the user's choices must know whether Actito will report this one
   * (it reports nothing when no subscription changed), even while the gateway writes the profile.
   *
   * @throws IllegalArgumentException for a subscription the table does not have
   */
  public UserChange userChangesSubscriptions(String uniqueKeyValue, Map<String, Boolean> subscriptions) {
    var provided = new JsonArray();
    subscriptions.forEach((name, on) -> provided.add(new JsonObject().put("name", name).put("subscribe", on)));
    synchronized (state) {
      String invalid = invalidNames(new JsonArray(), provided);
      if (invalid != null) {
        throw new IllegalArgumentException(invalid);
      }
      Optional<SandboxState.Profile> profile = state.byKey(uniqueKeyValue);
      if (profile.isEmpty()) {
        return UserChange.NO_SUCH_PROFILE;
      }
      if (!applySubscriptions(profile.get(), provided)) {
        return UserChange.NOTHING_CHANGED;
      }
      notifySubscriptionChange(profile.get(), provided);
      return UserChange.CHANGED;
    }
  }

  private volatile boolean apiKeysRefused;

  /**
   * While {@code refused}, every token request gets 401, whatever the key — as an Actito account
   * whose API key was revoked, or mistyped by an operator, and then fixed. Tokens issued before
   * stay valid until they expire ({@link #expireTokens()} makes the next call need a new one).
   */
  public void refuseApiKeys(boolean refused) {
    apiKeysRefused = refused;
  }

  /** Whether token requests are refused ({@link #refuseApiKeys}). */
  public boolean apiKeysRefused() {
    return apiKeysRefused;
  }

  /**
   * Forgets profiles, tokens, finished calls, counters, faults and webhook deliveries; webhook
   * subscriptions stay, like the table they belong to.
   */
  public void reset() {
    state.reset();
  }

  public JsonObject stats() {
    return new JsonObject()
        .put("inFlight", state.inFlight())
        .put("maxInFlightObserved", state.maxInFlight())
        .put("rejectedForConcurrency", state.rejectedForConcurrency())
        .put("slowedCalls", state.slowed());
  }

  /**
   * The routes, in the order the sandbox answers: the admin endpoints (neither limited, faulted nor
   * logged), then every API call is logged, limited and possibly faulted, the token endpoint
   * answered, a bearer token required, and the table structure or the profile table served.
   */
  private Router routes() {
    Router router = Router.router(vertx);
    router.route().handler(SandboxServer.rawPaths(ADMIN_PREFIX,
        ctx -> ctx.response().setStatusCode(404).end(error(404, "NOT_FOUND", "no such admin resource").encode())));
    router.routeWithRegex(SandboxServer.startingWith(ADMIN_PREFIX)).handler(ctx -> {
      ctx.response().putHeader("Content-Type", "application/json");
      SandboxServer.readBody(ctx);
    });
    admin(router, HttpMethod.GET, SandboxServer.exactly(ADMIN_PREFIX + "/calls"), (ctx, body) -> {
      var calls = new JsonArray();
      state.calls().forEach(c -> calls.add(c.toJson()));
      ctx.response().end(stats().put("calls", calls).encode());
    });
    admin(router, HttpMethod.GET, SandboxServer.exactly(ADMIN_PREFIX + "/stats"),
        (ctx, body) -> ctx.response().end(stats().encode()));
    admin(router, HttpMethod.POST, SandboxServer.exactly(ADMIN_PREFIX + "/profiles"), this::seedProfile);
    admin(router, HttpMethod.GET, SandboxServer.exactly(ADMIN_PREFIX + "/profiles"), (ctx, body) ->
        ctx.response().end(new JsonObject().put("profiles", new JsonArray(new ArrayList<>(profiles()))).encode()));
    // any path under /profiles/ that ends with /subscriptions (the key may hold slashes)
    admin(router, HttpMethod.POST, "(?=" + SandboxServer.exactly(ADMIN_PREFIX + "/profiles/") + ").*/subscriptions",
        this::changeSubscriptions);
    admin(router, HttpMethod.POST, SandboxServer.exactly(ADMIN_PREFIX + "/webhooks"), (ctx, body) -> {
      int id = addWebhookSubscription(WebhookSubscription.fromJson(body.toJsonObject()));
      ctx.response().end(webhooksJson().put("id", id).encode());
    });
    admin(router, HttpMethod.GET, SandboxServer.exactly(ADMIN_PREFIX + "/webhooks"),
        (ctx, body) -> ctx.response().end(webhooksJson().encode()));
    admin(router, HttpMethod.DELETE, SandboxServer.exactly(ADMIN_PREFIX + "/webhooks"), (ctx, body) -> {
      clearWebhookSubscriptions();
      ctx.response().end(webhooksJson().encode());
    });
    admin(router, HttpMethod.GET, SandboxServer.exactly(ADMIN_PREFIX + "/webhooks/deliveries"), (ctx, body) -> {
      var deliveries = new JsonArray();
      webhookDeliveries().forEach(d -> deliveries.add(d.toJson()));
      ctx.response().end(new JsonObject().put("deliveries", deliveries).encode());
    });
    admin(router, HttpMethod.GET, SandboxServer.startingWith(ADMIN_PREFIX + "/profiles/"), (ctx, body) -> {
      String key = SandboxServer.decodeSegment(ctx.request().path().substring((ADMIN_PREFIX + "/profiles/").length()));
      Optional<JsonObject> profile = profile(key);
      if (profile.isPresent()) {
        ctx.response().end(profile.get().encode());
      } else {
        ctx.response().setStatusCode(404).end(error(404, "NOT_FOUND", "no profile " + key).encode());
      }
    });
    // GET, POST and DELETE answered by the fault injection; other methods are no admin resource
    router.routeWithRegex(SandboxServer.exactly(ADMIN_PREFIX + "/faults")).handler(adminHandler((ctx, body) -> {
      if (!state.faults.serveAdmin(ctx.request().method(), body, ctx.response())) {
        ctx.next();
      }
    }));
    admin(router, HttpMethod.POST, SandboxServer.exactly(ADMIN_PREFIX + "/tokens/expire"), (ctx, body) -> {
      expireTokens();
      ctx.response().end("{}");
    });
    admin(router, HttpMethod.GET, SandboxServer.exactly(ADMIN_PREFIX + "/imports"), (ctx, body) ->
        ctx.response().end(new JsonArray(new ArrayList<>(importExecutions())).encode()));
    // {"outcome": null | "WITH_ERROR" | "FAILED", "latencyMs": n}: how the next executions end
    admin(router, HttpMethod.PUT, SandboxServer.exactly(ADMIN_PREFIX + "/imports/behaviour"), (ctx, body) -> {
      JsonObject json = body == null || body.length() == 0 ? new JsonObject() : body.toJsonObject();
      options.setImportOutcome(json.getString("outcome"));
      if (json.getValue("latencyMs") != null) {
        options.setImportLatency(Duration.ofMillis(json.getLong("latencyMs")));
      }
      ctx.response().end("{}");
    });
    admin(router, HttpMethod.POST, SandboxServer.exactly(ADMIN_PREFIX + "/reset"), (ctx, body) -> {
      reset();
      ctx.response().end("{}");
    });
    router.routeWithRegex(SandboxServer.startingWith(ADMIN_PREFIX)).handler(ctx ->
        ctx.response().setStatusCode(404).end(error(404, "NOT_FOUND", "no such admin resource").encode()));

    router.route().handler(this::admit);
    router.routeWithRegex(SandboxServer.exactly(TOKEN_PATH)).handler(ctx -> {
      if (ctx.request().method() != HttpMethod.GET) {
        respond(ctx.request(), call(ctx), 405, error(405, "METHOD_NOT_ALLOWED", "use GET"));
      } else {
        token(ctx.request(), call(ctx));
      }
    });
    router.route().handler(this::requireBearer);
    router.routeWithRegex(SandboxServer.startingWith(STRUCTURE_PREFIX))
        .handler(api((request, call, segments, body) -> structure(request, call, segments)));
    router.routeWithRegex(SandboxServer.startingWith(PROFILES_PREFIX)).handler(api(this::profiles));
    router.routeWithRegex(SandboxServer.startingWith(PROFILES_V5_PREFIX)).handler(api(this::profilesV5));
    router.routeWithRegex(SandboxServer.startingWith(MASS_IMPORTS_PREFIX)).handler(api(this::massImports));
    router.route().handler(ctx -> respond(ctx.request(), call(ctx), 404, error(404, "NOT_FOUND", "no such resource")));
    return router;
  }

  // every API call: logged, answered 429 over the concurrency limit, paced, then maybe faulted
  private void admit(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    var call = state.begin(request.method().name(), request.uri());
    ctx.put(CALL, call);
    // a client that gives up (timeout) closes the connection: the call no longer counts in flight
    request.response().closeHandler(v -> state.end(call, 0, null));
    Future<Buffer> body = request.body();
    if (state.overConcurrency()) {
      body.onComplete(b -> respond(request, call, 429,
          error(429, "TOO_MANY_REQUESTS", "more than " + options.maxConcurrentCalls() + " concurrent calls")));
      return;
    }
    long delay = state.admit(call);
    FaultInjection.Effect fault = state.faults.effectFor(request.path());
    body.onSuccess(b -> {
      state.recordBody(call, b.length() == 0 ? null : request.path().startsWith(MASS_IMPORTS_PREFIX)
          ? "<" + b.length() + " bytes of " + request.getHeader("Content-Type") + ">"
          : b.toString(StandardCharsets.UTF_8));
      ctx.put(SandboxServer.BODY, b);
      fault.play(server, delay, request.response(),
          status -> respond(request, call, status, error(status, "INJECTED_FAULT", "fault injected by the sandbox")),
          ctx::next);
    }).onFailure(err -> state.end(call, 0, null));
  }

  private void requireBearer(RoutingContext ctx) {
    String bearer = SandboxServer.bearerToken(ctx.request().getHeader("Authorization"));
    String problem = bearer == null ? "missing bearer token" : state.tokenProblem(bearer);
    if (problem != null) {
      respond(ctx.request(), call(ctx), 401, error(401, "UNAUTHORIZED", problem));
      return;
    }
    ctx.next();
  }

  /** An API endpoint, given the decoded path segments; a malformed body is answered 400. */
  private interface ApiHandler {
    void handle(HttpServerRequest request, SandboxState.Call call, List<String> segments, Buffer body);
  }

  private Handler<RoutingContext> api(ApiHandler handler) {
    return ctx -> {
      HttpServerRequest request = ctx.request();
      SandboxState.Call call = call(ctx);
      List<String> segments = segments(request.path());
      try {
        handler.handle(request, call, segments, SandboxServer.body(ctx));
      } catch (DecodeException | ClassCastException | IllegalArgumentException e) {
        respond(request, call, 400, error(400, "BAD_REQUEST", "malformed body: " + e.getMessage()));
      }
    };
  }

  private static SandboxState.Call call(RoutingContext ctx) {
    return ctx.get(CALL);
  }

  private void token(HttpServerRequest request, SandboxState.Call call) {
    String key = request.getHeader("Authorization");
    if (key == null || !options.apiKeys().contains(key.trim()) || apiKeysRefused) {
      respond(request, call, 401, error(401, "UNAUTHORIZED", "invalid API key"));
      return;
    }
    long millis = options.tokenLifetime().toMillis();
    String expiresIn = millis % 1000 == 0 ? (millis / 1000) + "s" : (millis / 1000.0) + "s";
    respond(request, call, 200, new JsonObject()
        .put("accessToken", state.issueToken())
        .put("tokenType", "bearer")
        .put("expiresIn", expiresIn));
  }

  // GET /profile-table-structure/v5/entities/{entity}/profile-tables
  private void structure(HttpServerRequest request, SandboxState.Call call, List<String> s) {
    if (s.size() != 5 || !s.get(4).equals("profile-tables") || request.method() != HttpMethod.GET) {
      respond(request, call, 404, error(404, "NOT_FOUND", "no such resource"));
      return;
    }
    if (!s.get(3).equals(options.entity())) {
      respond(request, call, 404, error(404, "NOT_FOUND", "unknown entity " + s.get(3)));
      return;
    }
    var attributes = new JsonArray()
        .add(attribute("profileId", true, true))
        .add(attribute(options.uniqueKey(), true, false));
    for (String name : knownAttributes) {
      if (!name.equals(options.uniqueKey())) {
        attributes.add(attribute(name, false, false));
      }
    }
    var subscriptions = new JsonArray();
    options.subscriptions().forEach(name -> subscriptions.add(new JsonObject().put("name", name)));
    var table = new JsonObject()
        .put("id", "1")
        .put("name", options.table())
        .put("attributes", attributes)
        .put("subscriptions", subscriptions);
    respond(request, call, 200, new JsonObject().put("profileTables", new JsonArray().add(table)));
  }

  private static JsonObject attribute(String name, boolean unique, boolean mandatory) {
    return new JsonObject()
        .put("type", "CUSTOM").put("name", name).put("unique", unique).put("mandatory", mandatory)
        .put("valueType", "STRING").put("multiValued", false);
  }

  // {p}/profile = /profiles/v4/entity/{entity}/table/{table}/profile: segments 0..6
  private void profiles(HttpServerRequest request, SandboxState.Call call, List<String> s, Buffer body) {
    if (!options.v4Enabled()) {
      // Actito announced the end of service of the V4 profile calls
      respond(request, call, 410, error(410, "GONE", "the V4 profile API is no longer served: use V5"));
      return;
    }
    if (s.size() < 7 || !s.get(4).equals("table") || !s.get(6).equals("profile")) {
      respond(request, call, 404, error(404, "NOT_FOUND", "no such resource"));
      return;
    }
    if (!s.get(3).equals(options.entity()) || !s.get(5).equals(options.table())) {
      respond(request, call, 404, error(404, "NOT_FOUND", "unknown entity or table " + s.get(3) + "/" + s.get(5)));
      return;
    }
    HttpMethod method = request.method();
    List<String> rest = s.subList(7, s.size());
    synchronized (state) {
      if (rest.isEmpty() && method == HttpMethod.POST) {
        createOrUpdate(request, call, body);
      } else if (rest.size() == 1 && method == HttpMethod.GET) {
        lookup(request, call, rest.get(0));
      } else if (rest.size() == 1 && method == HttpMethod.PUT) {
        update(request, call, rest.get(0), body);
      } else if (rest.size() == 1 && method == HttpMethod.DELETE) {
        long id = profileId(rest.get(0));
        boolean deleted = id > 0 && state.delete(id);
        respond(request, call, deleted ? 200 : 404,
            deleted ? new JsonObject().put("profileId", id) : error(404, "NOT_FOUND", "unknown profile " + rest.get(0)));
      } else if (rest.size() >= 2 && rest.get(1).equals("subscription")) {
        subscription(request, call, rest);
      } else {
        respond(request, call, 404, error(404, "NOT_FOUND", "no such resource"));
      }
    }
  }

  // ---- V5: {p5} = /profiles/v5/entities/{entity}/profile-tables/{table}/profiles ----

  private void profilesV5(HttpServerRequest request, SandboxState.Call call, List<String> s, Buffer body) {
    if (!options.v5Enabled() || s.size() < 7 || !s.get(4).equals("profile-tables") || !s.get(6).equals("profiles")
        || s.size() > 8) {
      respond(request, call, 404, error(404, "NOT_FOUND", "no such resource"));
      return;
    }
    if (!s.get(3).equals(options.entity()) || !s.get(5).equals(options.table())) {
      respond(request, call, 404, error(404, "NOT_FOUND", "unknown entity or table " + s.get(3) + "/" + s.get(5)));
      return;
    }
    HttpMethod method = request.method();
    synchronized (state) {
      if (s.size() == 7 && method == HttpMethod.PUT) {
        upsertV5(request, call, body);
        return;
      }
      if (s.size() == 8) {
        Optional<SandboxState.Profile> profile = byReferenceV5(request, call, s.get(7));
        if (profile == null) {
          return; // answered
        }
        if (method == HttpMethod.GET) {
          if (profile.isEmpty()) {
            respond(request, call, 404, error(404, "NOT_FOUND", "no profile " + s.get(7)));
          } else {
            respond(request, call, 200, toV5Json(profile.get(), request.getParam("subscriptions")));
          }
          return;
        }
        if (method == HttpMethod.PATCH) {
          patchV5(request, call, profile, s.get(7), body);
          return;
        }
        if (method == HttpMethod.DELETE) {
          boolean deleted = profile.isPresent() && state.delete(profile.get().id);
          respond(request, call, deleted ? 200 : 404, deleted ? new JsonObject().put("profileId", profile.get().id)
              : error(404, "NOT_FOUND", "no profile " + s.get(7)));
          return;
        }
      }
      respond(request, call, 404, error(404, "NOT_FOUND", "no such resource"));
    }
  }

  // {key}: the numeric profileId or {uniqueKey}={value}; null when a 400 was answered
  private Optional<SandboxState.Profile> byReferenceV5(HttpServerRequest request, SandboxState.Call call, String reference) {
    int eq = reference.indexOf('=');
    if (eq > 0) {
      String attribute = reference.substring(0, eq);
      if (!attribute.equals(options.uniqueKey())) {
        respond(request, call, 400, error(400, "BAD_REQUEST", attribute + " is not a unique attribute"));
        return null;
      }
      return state.byKey(reference.substring(eq + 1));
    }
    long id = profileId(reference);
    return id > 0 ? state.byId(id) : Optional.empty();
  }

  // PUT {p5} {"key": {uniqueKey: value}, "attributes": {...}, "subscriptions": {...}}: creates or updates
  private void upsertV5(HttpServerRequest request, SandboxState.Call call, Buffer body) {
    JsonObject json = body.toJsonObject();
    JsonObject key = json.getJsonObject("key");
    Object value = key == null ? null : key.getValue(options.uniqueKey());
    if (value == null || key.size() != 1) {
      respond(request, call, 400, error(400, "BAD_REQUEST", "the key must be {\"" + options.uniqueKey() + "\": ...}"));
      return;
    }
    JsonArray attributes = attributesV5(json.getJsonObject("attributes"));
    JsonArray subscriptions = subscriptionsV5(json.getJsonObject("subscriptions"));
    String invalid = invalidNames(attributes, subscriptions);
    if (invalid != null || uniqueKeyIn(attributes) != null && !uniqueKeyIn(attributes).equals(String.valueOf(value))) {
      respond(request, call, 400, error(400, "BAD_REQUEST", invalid != null ? invalid : "the key and its attribute differ"));
      return;
    }
    var profile = state.byKey(String.valueOf(value)).orElseGet(() -> created(String.valueOf(value)));
    applyAttributes(profile, attributes);
    boolean changed = applySubscriptions(profile, subscriptions);
    respond(request, call, 200, new JsonObject().put("profileId", profile.id));
    if (changed) {
      notifySubscriptionChange(profile, subscriptions);
    }
  }

  // PATCH {p5}/{key} {"attributes": {...}, "subscriptions": {...}}: updates, 404 when absent, never creates
  private void patchV5(HttpServerRequest request, SandboxState.Call call, Optional<SandboxState.Profile> found,
      String reference, Buffer body) {
    JsonObject json = body.toJsonObject();
    if (found.isEmpty()) {
      respond(request, call, 404, error(404, "NOT_FOUND", "no profile " + reference));
      return;
    }
    JsonArray attributes = attributesV5(json.getJsonObject("attributes"));
    JsonArray subscriptions = subscriptionsV5(json.getJsonObject("subscriptions"));
    String invalid = invalidNames(attributes, subscriptions);
    if (invalid != null) {
      respond(request, call, 400, error(400, "BAD_REQUEST", invalid));
      return;
    }
    var profile = found.get();
    String newKey = uniqueKeyIn(attributes);
    String oldKey = String.valueOf(profile.attributes.get(options.uniqueKey()));
    if (newKey != null && !state.rekey(profile, oldKey, newKey)) {
      respond(request, call, 409, error(409, "CONFLICT", "another profile holds " + options.uniqueKey() + " " + newKey));
      return;
    }
    applyAttributes(profile, attributes);
    boolean changed = applySubscriptions(profile, subscriptions);
    respond(request, call, 200, new JsonObject().put("profileId", profile.id));
    if (changed) {
      notifySubscriptionChange(profile, subscriptions);
    }
  }

  // a new profile holds its unique key as an attribute, whichever call created it
  private SandboxState.Profile created(String keyValue) {
    var profile = state.create(keyValue);
    profile.attributes.put(options.uniqueKey(), keyValue);
    return profile;
  }

  // ---- mass import (triggered ETLs) ----

  /** One execution of a triggered ETL: RUNNING for {@link SandboxOptions#importLatency()}, then ended. */
  private static final class ImportExecution {
    final String id;
    final String etlId;
    final int rows;
    volatile String status = "RUNNING";
    volatile int applied;
    volatile int refused;
    volatile long endedAtMs;

    ImportExecution(String id, String etlId, int rows) {
      this.id = id;
      this.etlId = etlId;
      this.rows = rows;
    }

    JsonObject json() {
      return new JsonObject().put("executionId", id).put("etlId", etlId).put("status", status)
          .put("rows", rows).put("appliedRows", applied).put("rowsInError", refused)
          .put("endedAtMs", endedAtMs == 0 ? null : endedAtMs);
    }
  }

  private final Map<String, ImportExecution> executions = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong executionIds = new java.util.concurrent.atomic.AtomicLong();
  private final Map<java.time.LocalDate, Integer> triggersByDay = new java.util.HashMap<>();

  /** Every execution triggered so far, by id, in its last state. */
  public List<JsonObject> importExecutions() {
    return executions.values().stream().map(ImportExecution::json)
        .sorted(java.util.Comparator.comparing(json -> Long.parseLong(json.getString("executionId").substring(5))))
        .toList();
  }

  // POST {m}/{entity}/etls/{etlId}/trigger-execution, GET {m}/{entity}/etl-executions/{id}: segments 0..6 / 0..5
  private void massImports(HttpServerRequest request, SandboxState.Call call, List<String> s, Buffer body) {
    if (s.size() < 6 || !s.get(3).equals(options.entity())) {
      respond(request, call, 404, error(404, "NOT_FOUND", "no such resource"));
    } else if (s.size() == 7 && s.get(4).equals("etls") && s.get(6).equals("trigger-execution")
        && request.method() == HttpMethod.POST) {
      trigger(request, call, s.get(5), body);
    } else if (s.size() == 6 && s.get(4).equals("etl-executions") && request.method() == HttpMethod.GET) {
      ImportExecution execution = executions.get(s.get(5));
      if (execution == null) {
        respond(request, call, 404, error(404, "NOT_FOUND", "no execution " + s.get(5)));
      } else {
        respond(request, call, 200, execution.json());
      }
    } else {
      respond(request, call, 404, error(404, "NOT_FOUND", "no such resource"));
    }
  }

  private void trigger(HttpServerRequest request, SandboxState.Call call, String etlId, Buffer body) {
    String mode = options.etls().get(etlId);
    if (mode == null) {
      respond(request, call, 404, error(404, "NOT_FOUND", "no ETL " + etlId + " on entity " + options.entity()));
      return;
    }
    if (body == null || body.length() > MAX_IMPORT_BYTES) {
      respond(request, call, 413, error(413, "PAYLOAD_TOO_LARGE", "a file is 100 MB at most"));
      return;
    }
    ImportFile file;
    try {
      file = ImportFile.read(request.getHeader("Content-Type"), body, options.importFilePart());
    } catch (ImportFile.Unreadable e) {
      respond(request, call, 400, error(400, "BAD_REQUEST", e.getMessage()));
      return;
    }
    if (file.header().isEmpty() || !file.header().get(0).equals(options.uniqueKey())) {
      respond(request, call, 400, error(400, "BAD_REQUEST", "the key column of the ETL is " + options.uniqueKey()));
      return;
    }
    for (String column : file.header().subList(1, file.header().size())) {
      if (!knownSubscriptions.contains(column) && !knownAttributes.isEmpty() && !knownAttributes.contains(column)) {
        respond(request, call, 400, error(400, "BAD_REQUEST", "unknown column " + column));
        return;
      }
    }
    java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
    synchronized (triggersByDay) {
      int done = triggersByDay.getOrDefault(today, 0);
      if (done >= options.maxExecutionsPerDay()) {
        respond(request, call, 409, error(409, "EXECUTION_LIMIT", options.maxExecutionsPerDay()
            + " executions a day per table: no more today"));
        return;
      }
      triggersByDay.put(today, done + 1);
    }
    var execution = new ImportExecution("exec-" + executionIds.incrementAndGet(), etlId, file.rows().size());
    executions.put(execution.id, execution);
    String forced = options.importOutcome();
    respond(request, call, 200, new JsonObject().put("executionId", execution.id));
    vertx.setTimer(Math.max(1, options.importLatency().toMillis()
            + options.importLatencyPerRow().toNanos() * file.rows().size() / 1_000_000),
        t -> finish(execution, file, mode.equals("UPDATE_ONLY"), forced));
  }

  // the rows are applied when the execution ends, each on its own: a row in error changes nothing
  private void finish(ImportExecution execution, ImportFile file, boolean updateOnly, String forced) {
    if ("FAILED".equals(forced)) {
      execution.endedAtMs = System.currentTimeMillis();
      execution.status = "FAILED";
      return;
    }
    List<String> header = file.header();
    int applied = 0;
    int refused = 0;
    synchronized (state) {
      for (int i = 0; i < file.rows().size(); i++) {
        List<String> row = file.rows().get(i);
        String key = row.get(0);
        Optional<SandboxState.Profile> found = key.isEmpty() ? Optional.empty() : state.byKey(key);
        JsonArray subscriptions = new JsonArray();
        JsonArray attributes = new JsonArray();
        boolean valid = !key.isEmpty() && (found.isPresent() || !updateOnly) && !("WITH_ERROR".equals(forced) && i % 2 == 1);
        for (int c = 1; c < header.size() && valid; c++) {
          String value = row.get(c);
          if (value.isEmpty()) {
            continue; // an empty cell leaves the field as it is
          }
          if (knownSubscriptions.contains(header.get(c))) {
            if (!value.equalsIgnoreCase("TRUE") && !value.equalsIgnoreCase("FALSE")) {
              valid = false;
            } else {
              subscriptions.add(new JsonObject().put("name", header.get(c)).put("subscribe", value.equalsIgnoreCase("TRUE")));
            }
          } else {
            attributes.add(new JsonObject().put("name", header.get(c)).put("value", value));
          }
        }
        if (!valid) {
          refused++;
          continue;
        }
        var profile = found.orElseGet(() -> created(key));
        applyAttributes(profile, attributes);
        if (applySubscriptions(profile, subscriptions)) {
          notifySubscriptionChange(profile, subscriptions);
        }
        applied++;
      }
    }
    execution.applied = applied;
    execution.refused = refused;
    execution.endedAtMs = System.currentTimeMillis();
    execution.status = refused > 0 || "WITH_ERROR".equals(forced) ? "WITH_ERROR" : "SUCCESS";
  }

  private static JsonArray attributesV5(JsonObject attributes) {
    JsonArray out = new JsonArray();
    if (attributes != null) {
      attributes.forEach(e -> out.add(new JsonObject().put("name", e.getKey()).put("value", e.getValue())));
    }
    return out;
  }

  private static JsonArray subscriptionsV5(JsonObject subscriptions) {
    JsonArray out = new JsonArray();
    if (subscriptions != null) {
      subscriptions.forEach(e -> {
        if (!(e.getValue() instanceof Boolean)) {
          throw new IllegalArgumentException("subscription " + e.getKey() + " must be true or false");
        }
        out.add(new JsonObject().put("name", e.getKey()).put("subscribe", e.getValue()));
      });
    }
    return out;
  }

  // {"profileId", "attributes": {name: value}, "subscriptions": {name: bool}}, the subscriptions named (all when none is)
  private static JsonObject toV5Json(SandboxState.Profile profile, String named) {
    JsonObject attributes = new JsonObject();
    profile.attributes.forEach(attributes::put);
    JsonObject subscriptions = new JsonObject();
    java.util.Set<String> wanted = named == null || named.isBlank() ? null
        : new java.util.HashSet<>(java.util.Arrays.asList(named.split(",")));
    profile.subscriptions.forEach((name, on) -> {
      if (wanted == null || wanted.contains(name)) {
        subscriptions.put(name, on);
      }
    });
    return new JsonObject().put("profileId", profile.id).put("attributes", attributes).put("subscriptions", subscriptions);
  }

  // POST {p}/profile?allowUpdate=true|false
  private void createOrUpdate(HttpServerRequest request, SandboxState.Call call, Buffer body) {
    JsonObject json = body.toJsonObject();
    boolean allowUpdate = Boolean.parseBoolean(request.getParam("allowUpdate", "false"));
    JsonArray attributes = json.getJsonArray("attributes");
    if (attributes == null) {
      respond(request, call, 400, error(400, "BAD_REQUEST", "attributes are required"));
      return;
    }
    String key = uniqueKeyIn(attributes);
    if (key == null) {
      respond(request, call, 400, error(400, "BAD_REQUEST", "the unique attribute " + options.uniqueKey() + " is required"));
      return;
    }
    String invalid = invalidNames(attributes, json.getJsonArray("subscriptions"));
    if (invalid != null) {
      respond(request, call, 400, error(400, "BAD_REQUEST", invalid));
      return;
    }
    Optional<SandboxState.Profile> existing = state.byKey(key);
    if (existing.isPresent() && !allowUpdate) {
      respond(request, call, 409, error(409, "CONFLICT", "a profile with " + options.uniqueKey() + " " + key + " already exists"));
      return;
    }
    var profile = existing.orElseGet(() -> created(key));
    applyAttributes(profile, attributes);
    boolean subscriptionsChanged = applySubscriptions(profile, json.getJsonArray("subscriptions"));
    respond(request, call, 200, new JsonObject().put("profileId", profile.id));
    if (subscriptionsChanged) {
      notifySubscriptionChange(profile, json.getJsonArray("subscriptions"));
    }
  }

  // GET {p}/profile/{attribute}={value} or {p}/profile/{profileId}
  private void lookup(HttpServerRequest request, SandboxState.Call call, String reference) {
    int eq = reference.indexOf('=');
    Optional<SandboxState.Profile> profile;
    if (eq > 0) {
      String attribute = reference.substring(0, eq);
      if (!attribute.equals(options.uniqueKey())) {
        respond(request, call, 400, error(400, "BAD_REQUEST", attribute + " is not a unique attribute"));
        return;
      }
      profile = state.byKey(reference.substring(eq + 1));
    } else {
      long id = profileId(reference);
      profile = id > 0 ? state.byId(id) : Optional.empty();
    }
    if (profile.isEmpty()) {
      respond(request, call, 404, error(404, "NOT_FOUND", "no profile " + reference));
    } else {
      respond(request, call, 200, profile.get().toJson());
    }
  }

  // PUT {p}/profile/{profileId} with {"attributes": [...]}: attributes only, as Actito documents it
  private void update(HttpServerRequest request, SandboxState.Call call, String reference, Buffer body) {
    JsonObject json = body.toJsonObject();
    long id = profileId(reference);
    Optional<SandboxState.Profile> found = id > 0 ? state.byId(id) : Optional.empty();
    if (found.isEmpty()) {
      respond(request, call, 404, error(404, "NOT_FOUND", "no profile " + reference));
      return;
    }
    JsonArray attributes = json.getJsonArray("attributes");
    if (attributes == null) {
      respond(request, call, 400, error(400, "BAD_REQUEST", "attributes are required"));
      return;
    }
    String invalid = invalidNames(attributes, null);
    if (invalid != null) {
      respond(request, call, 400, error(400, "BAD_REQUEST", invalid));
      return;
    }
    var profile = found.get();
    String newKey = uniqueKeyIn(attributes);
    String oldKey = String.valueOf(profile.attributes.get(options.uniqueKey()));
    if (newKey != null && !state.rekey(profile, oldKey, newKey)) {
      respond(request, call, 409, error(409, "CONFLICT", "another profile holds " + options.uniqueKey() + " " + newKey));
      return;
    }
    applyAttributes(profile, attributes);
    respond(request, call, 200, new JsonObject().put("profileId", profile.id));
  }

  // {p}/profile/{id}/subscription[/{name}]
  private void subscription(HttpServerRequest request, SandboxState.Call call, List<String> rest) {
    long id = profileId(rest.get(0));
    Optional<SandboxState.Profile> found = id > 0 ? state.byId(id) : Optional.empty();
    if (found.isEmpty()) {
      respond(request, call, 404, error(404, "NOT_FOUND", "no profile " + rest.get(0)));
      return;
    }
    var profile = found.get();
    HttpMethod method = request.method();
    if (rest.size() == 2 && method == HttpMethod.GET) {
      respond(request, call, 200, new JsonObject().put("subscriptions", profile.toJson().getJsonArray("subscriptions")));
      return;
    }
    if (rest.size() != 3 || (method != HttpMethod.POST && method != HttpMethod.DELETE)) {
      respond(request, call, 404, error(404, "NOT_FOUND", "no such resource"));
      return;
    }
    String name = rest.get(2);
    if (!knownSubscriptions.isEmpty() && !knownSubscriptions.contains(name)) {
      respond(request, call, 404, error(404, "NOT_FOUND", "unknown subscription " + name));
      return;
    }
    boolean subscribe = method == HttpMethod.POST;
    Boolean before = profile.subscriptions.put(name, subscribe);
    respond(request, call, 200, new JsonObject().put("profileId", profile.id).put("subscription", name)
        .put("subscribe", subscribe));
    if (!Objects.equals(before, subscribe)) {
      notifySubscriptionChange(profile, new JsonArray().add(new JsonObject().put("name", name).put("subscribe", subscribe)));
    }
  }

  private String uniqueKeyIn(JsonArray attributes) {
    for (int i = 0; i < attributes.size(); i++) {
      JsonObject attribute = attributes.getJsonObject(i);
      if (options.uniqueKey().equals(attribute.getString("name")) && attribute.getValue("value") != null) {
        return String.valueOf(attribute.getValue("value"));
      }
    }
    return null;
  }

  private String invalidNames(JsonArray attributes, JsonArray subscriptions) {
    for (int i = 0; i < attributes.size(); i++) {
      String name = attributes.getJsonObject(i).getString("name");
      if (name == null) {
        return "an attribute has no name";
      }
      if (!knownAttributes.isEmpty() && !knownAttributes.contains(name) && !name.equals(options.uniqueKey())) {
        return "unknown attribute " + name;
      }
    }
    if (subscriptions != null) {
      for (int i = 0; i < subscriptions.size(); i++) {
        JsonObject subscription = subscriptions.getJsonObject(i);
        String name = subscription.getString("name");
        if (name == null || subscription.getBoolean("subscribe") == null) {
          return "a subscription needs a name and subscribe";
        }
        if (!knownSubscriptions.isEmpty() && !knownSubscriptions.contains(name)) {
          return "unknown subscription " + name;
        }
      }
    }
    return null;
  }

  private static void applyAttributes(SandboxState.Profile profile, JsonArray attributes) {
    for (int i = 0; i < attributes.size(); i++) {
      JsonObject attribute = attributes.getJsonObject(i);
      profile.attributes.put(attribute.getString("name"), attribute.getValue("value"));
    }
  }

  /** Whether a subscription changed (a value set for the first time counts). */
  private static boolean applySubscriptions(SandboxState.Profile profile, JsonArray subscriptions) {
    if (subscriptions == null) {
      return false;
    }
    boolean changed = false;
    for (int i = 0; i < subscriptions.size(); i++) {
      JsonObject subscription = subscriptions.getJsonObject(i);
      Boolean subscribe = subscription.getBoolean("subscribe");
      Boolean before = profile.subscriptions.put(subscription.getString("name"), subscribe);
      changed |= !Objects.equals(before, subscribe);
    }
    return changed;
  }

  // ---- webhooks ----

  /** Called with the state locked; sends nothing itself, so the API answer never waits for it. */
  private void notifySubscriptionChange(SandboxState.Profile profile, JsonArray provided) {
    List<WebhookSubscription> subscriptions = state.webhookSubscriptions();
    if (subscriptions.isEmpty()) {
      return;
    }
    var data = new JsonObject()
        .put("profileId", profile.id)
        .put(options.uniqueKey(), profile.attributes.get(options.uniqueKey()))
        .put("subscriptions", provided.copy());
    Context ctx = server.context();
    ctx.runOnContext(v -> {
      for (int i = 0; i < subscriptions.size(); i++) {
        WebhookSubscription subscription = subscriptions.get(i);
        int subscriptionId = i + 1;
        String webhookId = UUID.randomUUID().toString();
        String body = new JsonObject()
            .put("id", webhookId)
            .put("data", subscription.bulk() ? new JsonArray().add(data.copy()) : data.copy())
            .put("_links", new JsonObject().put("webhook", new JsonObject().put("href",
                "/webhooks/v4/entity/" + options.entity() + "/webhookSubscription/" + subscriptionId)))
            .encode();
        long delivery = state.newDelivery(subscriptionId, subscription.targetUrl(), webhookId, body);
        deliver(subscription, delivery, Buffer.buffer(body), 1);
      }
    });
  }

  private void deliver(WebhookSubscription subscription, long delivery, Buffer body, int attempt) {
    var request = server.web().postAbs(subscription.targetUrl()).timeout(10_000).putHeader("Content-Type", "application/json");
    subscription.headers().forEach(request::putHeader);
    request.sendBuffer(body).onComplete(ar -> {
      WebhookAttempt outcome = WebhookAttempt.of(ar);
      state.attempted(delivery, outcome);
      if (outcome.retryable() && attempt < options.webhookMaxAttempts()) {
        long delay = WebhookAttempt.retryDelayMs(options.webhookRetryDelay(), attempt);
        vertx.setTimer(delay, id -> deliver(subscription, delivery, body, attempt + 1));
      } else if (!outcome.delivered()) {
        LOG.warn("Actito sandbox gave up webhook {} to {} after {} attempt(s): {}", delivery,
            subscription.targetUrl(), attempt, outcome.error());
      }
    });
  }

  private static long profileId(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  // ---- admin endpoints ----

  private void admin(Router router, HttpMethod method, String pathRegex, BiConsumer<RoutingContext, Buffer> handler) {
    router.routeWithRegex(method, pathRegex).handler(adminHandler(handler));
  }

  // an admin endpoint: whatever it throws is a bad request
  private static Handler<RoutingContext> adminHandler(BiConsumer<RoutingContext, Buffer> handler) {
    return ctx -> {
      try {
        handler.accept(ctx, SandboxServer.body(ctx));
      } catch (RuntimeException e) {
        ctx.response().setStatusCode(400).end(error(400, "BAD_REQUEST", String.valueOf(e.getMessage())).encode());
      }
    };
  }

  // POST /_sandbox/profiles: a profile that already exists in Actito, e.g. to try update-only mode
  private void seedProfile(RoutingContext ctx, Buffer body) {
    JsonObject seed = body.toJsonObject();
    String key = seed.getString("uniqueKeyValue");
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("expected {\"uniqueKeyValue\", \"attributes\": {}, \"subscriptions\": {}}");
    }
    if (profile(key).isPresent()) {
      ctx.response().setStatusCode(409).end(error(409, "CONFLICT", "profile " + key + " already exists").encode());
    } else {
      seedProfile(key, seed.getJsonObject("attributes", new JsonObject()), seed.getJsonObject("subscriptions", new JsonObject()));
      ctx.response().setStatusCode(201).end(profile(key).orElseThrow().encode());
    }
  }

  // POST /_sandbox/profiles/{uniqueKeyValue}/subscriptions: a user clicking unsubscribe in an email
  private void changeSubscriptions(RoutingContext ctx, Buffer body) {
    String path = ctx.request().path();
    String key = SandboxServer.decodeSegment(
        path.substring((ADMIN_PREFIX + "/profiles/").length(), path.length() - "/subscriptions".length()));
    Object json = body.toJsonValue();
    JsonArray list = json instanceof JsonArray array ? array : ((JsonObject) json).getJsonArray("subscriptions");
    if (list == null) {
      throw new IllegalArgumentException("expected {\"subscriptions\": [{\"name\", \"subscribe\"}]}");
    }
    var changes = new java.util.LinkedHashMap<String, Boolean>();
    for (int i = 0; i < list.size(); i++) {
      JsonObject entry = list.getJsonObject(i);
      if (entry.getString("name") == null || entry.getBoolean("subscribe") == null) {
        throw new IllegalArgumentException("a subscription needs a name and subscribe");
      }
      changes.put(entry.getString("name"), entry.getBoolean("subscribe"));
    }
    if (changeSubscriptions(key, changes)) {
      ctx.response().end(profile(key).orElseThrow().encode());
    } else {
      ctx.response().setStatusCode(404).end(error(404, "NOT_FOUND", "no profile " + key).encode());
    }
  }

  private JsonObject webhooksJson() {
    var subscriptions = new JsonArray();
    List<WebhookSubscription> all = webhookSubscriptions();
    for (int i = 0; i < all.size(); i++) {
      subscriptions.add(all.get(i).toJson().put("id", i + 1));
    }
    return new JsonObject().put("webhooks", subscriptions);
  }

  // ---- plumbing ----

  private void respond(HttpServerRequest request, SandboxState.Call call, int status, JsonObject body) {
    AnswerDelay slow = answerDelay;
    if (slow != null && status < 300 && call.path().contains(slow.pathContains())) {
      // the change is applied already; only its answer is late (it may cross a webhook it caused)
      server.after(slow.millis(), () -> answer(request, call, status, body));
      return;
    }
    answer(request, call, status, body);
  }

  private void answer(HttpServerRequest request, SandboxState.Call call, int status, JsonObject body) {
    String encoded = body.encode();
    // end the call first: the client may start its next call as soon as it reads this answer
    if (!state.end(call, status, encoded)) {
      return;
    }
    SandboxServer.answerJson(request.response(), status, encoded);
  }

  private static JsonObject error(int status, String code, String message) {
    return new JsonObject().put("status", status).put("error", code).put("message", message);
  }

  private static List<String> segments(String path) {
    var out = new ArrayList<String>();
    for (String raw : path.substring(1).split("/", -1)) {
      out.add(SandboxServer.decodeSegment(raw));
    }
    return out;
  }
}
