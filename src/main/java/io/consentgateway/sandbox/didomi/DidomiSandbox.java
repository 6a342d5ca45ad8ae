package io.consentgateway.sandbox.didomi;

import io.consentgateway.sandbox.CallLog;
import io.consentgateway.sandbox.FaultInjection;
import io.consentgateway.sandbox.SandboxServer;
import io.consentgateway.sandbox.WebhookAttempt;
import io.consentgateway.sandbox.FaultRule;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stand-in for Didomi in the bidirectional flow, served over real HTTP: the Consents API of
 * docs/design.md §2 (Didomi Consents API) and the Didomi webhooks that Didomi sends when a user's consent changes.
 *
 * <ul>
 *   <li>{@code POST /v1/sessions} with {@code {"type": "api-key", "key", "secret"}} → {@code
 *       {"access_token": "<JWT-shaped token with exp>"}} for the configured key and secret, else
 *       401.
 *   <li>{@code POST /v1/consents/events?organization_id=...} with a Bearer token (a JSON array of
 *       up to 100 events is taken too: all valid or none imported, ids imported before skipped,
 *       answered 201 {@code {"events": [...], "duplicates": [ids]}}): validates the
 *       event (400 with a JSON error otherwise; 403 for another organisation), imports it — merged
 *       into the user's consents per purpose and preference, a new user created at version 1, an
 *       existing one's {@code version} incremented — and answers 201 with the event. An event whose
 *       {@code id} was imported before is not imported again: 409.
 *   <li>Every imported event — the gateway's own writes included: that is the echo the gateway
 *       must recognise — makes it emit a webhook to the configured {@link DidomiWebhookTarget}:
 *       {@code user.created} for a new user, {@code user.updated} (with {@code source}, {@code
 *       old_entity}, {@code new_entity}) otherwise, authenticated by OAuth client credentials,
 *       asynchronously, retried up to {@link DidomiSandboxOptions#webhookMaxAttempts()} times on
 *       5xx, 429, 401 or no answer.
 * </ul>
 *
 * <p>Admin endpoints (never faulted): {@code GET /_sandbox/calls}, {@code GET /_sandbox/users},
 * {@code GET /_sandbox/users/{organizationUserId}}, {@code POST
 * /_sandbox/users/{organizationUserId}/consents} (a user changing consent in Didomi: {@code
 * {"purposes": [...], "metadata": {...}}}, imported and emitted like an event), {@code
 * GET|POST|DELETE /_sandbox/faults} ({@link FaultRule} JSON, as the Actito sandbox), {@code POST
 * /_sandbox/tokens/expire}, {@code PUT|DELETE /_sandbox/webhook} (the target), {@code GET
 * /_sandbox/webhooks/deliveries}, {@code POST /_sandbox/reset}.
 *
 * <p>Start it with {@link #start(Vertx, DidomiSandboxOptions)}; it runs as its own verticle.
 */
public final class DidomiSandbox {

  private static final Logger LOG = LoggerFactory.getLogger(DidomiSandbox.class);
  private static final String ADMIN_PREFIX = "/_sandbox";
  private static final String SESSIONS_PATH = "/v1/sessions";
  private static final String EVENTS_PATH = "/v1/consents/events";
  private static final String CALL = "sandbox.call";
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private final Vertx vertx;
  private final DidomiSandboxOptions options;
  private final DidomiSandboxState state;
  private volatile DidomiWebhookTarget webhookTarget;
  private final SandboxServer server;
  // touched only on the sandbox's context: the gateway's OAuth token, the fetch in progress, and
  // the first attempt of the newest webhook, which the next one waits for so they leave in order
  private String webhookToken;
  private long webhookTokenRefreshAtMs;
  private Future<String> webhookTokenFetch;
  private Future<Void> lastFirstAttempt = Future.succeededFuture();

  private DidomiSandbox(Vertx vertx, DidomiSandboxOptions options) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.options = Objects.requireNonNull(options, "options");
    this.state = new DidomiSandboxState(options);
    this.webhookTarget = options.webhookTarget();
    this.server = new SandboxServer(vertx, options.host(), options.port(), "didomi-sandbox", routes());
  }

  /** Starts a sandbox; the future completes once it listens, with its actual port. */
  public static Future<DidomiSandbox> start(Vertx vertx, DidomiSandboxOptions options) {
    var sandbox = new DidomiSandbox(vertx, options);
    return sandbox.server.start().map(v -> {
      LOG.info("Didomi sandbox listening on {} (organization {}, webhooks to {})", sandbox.baseUrl(),
          options.organizationId(), options.webhookTarget() == null ? "nowhere" : options.webhookTarget().targetUrl());
      return sandbox;
    });
  }

  public Future<Void> stop() {
    return server.stop();
  }

  public int port() {
    return server.port();
  }

  /** What a client uses as Didomi's API base URL, e.g. {@code http://127.0.0.1:41234}. */
  public String baseUrl() {
    return server.baseUrl();
  }

  public DidomiSandboxOptions options() {
    return options;
  }

  // ---- inspection and control (also served under /_sandbox) ----

  public List<RecordedCall> calls() {
    return state.calls();
  }

  /** The user with this {@code organization_user_id}, in Didomi's user entity form. */
  public Optional<JsonObject> user(String organizationUserId) {
    return state.user(organizationUserId);
  }

  public List<JsonObject> users() {
    return state.users();
  }

  /** Events imported (duplicates not counted), admin changes included. */
  public long importedEvents() {
    return state.importedEvents();
  }

  public List<WebhookDelivery> webhookDeliveries() {
    return state.deliveries();
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

  /** Sends emitted webhooks to {@code target} from now on; null stops emitting. */
  public void emitWebhooksTo(DidomiWebhookTarget target) {
    Context ctx = server.context();
    Runnable apply = () -> {
      webhookTarget = target;
      webhookToken = null; // a token of the previous target means nothing to the next
    };
    if (ctx == null) {
      apply.run();
    } else {
      ctx.runOnContext(v -> apply.run());
    }
  }

  public DidomiWebhookTarget webhookTarget() {
    return webhookTarget;
  }

  /**
   * A user changing consent in Didomi: {@code change} holds {@code purposes} (Didomi's purpose
   * form) and optionally {@code metadata}. Imported like an event, then emitted as a webhook.
   * Completes with the user after the change.
   */
  public Future<JsonObject> changeConsents(String organizationUserId, JsonObject change) {
    Promise<JsonObject> promise = Promise.promise();
    Context ctx = Objects.requireNonNull(server.context(), "the sandbox is not started");
    ctx.runOnContext(v -> {
      try {
        promise.complete(userChange(organizationUserId, change));
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    return promise.future();
  }

  /** A user before and after {@link #changeConsentsWithoutWebhook} (before: null for a new user). */
  public record QuietChange(JsonObject before, JsonObject after) {}

  /**
   * As {@link #changeConsents}, but emits no webhook: for a test that delivers the change's webhook
   * to the gateway itself, with timestamps, order and redeliveries of its choosing, and needs Didomi
   * to hold the change all the same. Imported events count in {@link #importedEvents()}.
   */
  public Future<QuietChange> changeConsentsWithoutWebhook(String organizationUserId, JsonObject change) {
    Promise<QuietChange> promise = Promise.promise();
    Context ctx = Objects.requireNonNull(server.context(), "the sandbox is not started");
    ctx.runOnContext(v -> {
      try {
        JsonObject consents = change.getJsonObject("consents");
        JsonArray purposes = consents != null ? consents.getJsonArray("purposes") : change.getJsonArray("purposes");
        JsonObject user = new JsonObject().put("organization_user_id", organizationUserId);
        if (change.getValue("metadata") != null) {
          user.put("metadata", change.getValue("metadata"));
        }
        JsonObject event = new JsonObject().put("user", user)
            .put("consents", new JsonObject().put("purposes", purposes == null ? new JsonArray() : purposes));
        String invalid = invalidEvent(event);
        if (invalid != null) {
          throw new IllegalArgumentException(invalid);
        }
        DidomiSandboxState.Imported imported = state.importEvent(options.organizationId(), event);
        promise.complete(new QuietChange(imported.before(), imported.after()));
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    return promise.future();
  }

  /** Forgets users, imported ids, tokens, finished calls, deliveries and faults; keeps the target. */
  public void reset() {
    state.reset();
  }

  /**
   * The routes: the admin endpoints (not faulted nor logged), then every API call is logged and
   * possibly faulted before the session or events endpoint answers it.
   */
  private Router routes() {
    Router router = Router.router(vertx);
    router.route().handler(SandboxServer.rawPaths(ADMIN_PREFIX,
        ctx -> ctx.response().setStatusCode(404).end(error(404, "no such admin resource").encode())));
    String usersPrefix = ADMIN_PREFIX + "/users/";
    router.routeWithRegex(SandboxServer.startingWith(ADMIN_PREFIX)).handler(ctx -> {
      ctx.response().putHeader("Content-Type", "application/json");
      SandboxServer.readBody(ctx);
    });
    admin(router, HttpMethod.GET, SandboxServer.exactly(ADMIN_PREFIX + "/calls"), (ctx, body) -> {
      var calls = new JsonArray();
      state.calls().forEach(c -> calls.add(c.toJson()));
      ctx.response().end(new JsonObject().put("calls", calls).encode());
    });
    admin(router, HttpMethod.GET, SandboxServer.exactly(ADMIN_PREFIX + "/users"), (ctx, body) ->
        ctx.response().end(new JsonObject().put("users", new JsonArray(List.copyOf(users()))).encode()));
    // any path under /users/ that ends with /consents (the id may hold slashes)
    admin(router, HttpMethod.POST, "(?=" + SandboxServer.exactly(usersPrefix) + ").*/consents", (ctx, body) -> {
      String path = ctx.request().path();
      String key = SandboxServer.decodeSegment(path.substring(usersPrefix.length(), path.length() - "/consents".length()));
      ctx.response().end(userChange(key, body.toJsonObject()).encode());
    });
    admin(router, HttpMethod.GET, SandboxServer.startingWith(usersPrefix), (ctx, body) -> {
      String key = SandboxServer.decodeSegment(ctx.request().path().substring(usersPrefix.length()));
      Optional<JsonObject> user = user(key);
      if (user.isPresent()) {
        ctx.response().end(user.get().encode());
      } else {
        ctx.response().setStatusCode(404).end(error(404, "no user " + key).encode());
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
    admin(router, HttpMethod.PUT, SandboxServer.exactly(ADMIN_PREFIX + "/webhook"), (ctx, body) -> {
      JsonObject json = body.toJsonObject();
      emitWebhooksTo(new DidomiWebhookTarget(json.getString("targetUrl"), json.getString("tokenUrl"),
          json.getString("clientId"), json.getString("clientSecret")));
      ctx.response().end(new JsonObject().put("targetUrl", json.getString("targetUrl")).encode());
    });
    admin(router, HttpMethod.DELETE, SandboxServer.exactly(ADMIN_PREFIX + "/webhook"), (ctx, body) -> {
      emitWebhooksTo(null);
      ctx.response().end("{}");
    });
    admin(router, HttpMethod.GET, SandboxServer.exactly(ADMIN_PREFIX + "/webhooks/deliveries"), (ctx, body) -> {
      var deliveries = new JsonArray();
      webhookDeliveries().forEach(d -> deliveries.add(d.toJson()));
      ctx.response().end(new JsonObject().put("deliveries", deliveries).encode());
    });
    admin(router, HttpMethod.POST, SandboxServer.exactly(ADMIN_PREFIX + "/reset"), (ctx, body) -> {
      reset();
      ctx.response().end("{}");
    });
    router.routeWithRegex(SandboxServer.startingWith(ADMIN_PREFIX)).handler(ctx ->
        ctx.response().setStatusCode(404).end(error(404, "no such admin resource").encode()));

    router.route().handler(this::admit);
    router.routeWithRegex(HttpMethod.POST, SandboxServer.exactly(SESSIONS_PATH))
        .handler(ctx -> session(ctx.request(), call(ctx), SandboxServer.body(ctx)));
    router.routeWithRegex(HttpMethod.POST, SandboxServer.exactly(EVENTS_PATH))
        .handler(ctx -> event(ctx.request(), call(ctx), SandboxServer.body(ctx)));
    router.route().handler(ctx -> respond(ctx.request(), call(ctx), 404, error(404, "no such resource")));
    return router;
  }

  // every API call: logged (a session's secret masked), then maybe faulted
  private void admit(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String path = request.path();
    var call = state.begin(request.method().name(), request.uri());
    ctx.put(CALL, call);
    request.response().closeHandler(v -> state.end(call, 0, null));
    FaultInjection.Effect fault = state.faults.effectFor(path);
    request.body().onSuccess(body -> {
      String text = body.toString(StandardCharsets.UTF_8);
      state.recordBody(call, path.equals(SESSIONS_PATH) ? maskSecret(text) : text);
      ctx.put(SandboxServer.BODY, body);
      fault.play(server, 0, request.response(),
          status -> respond(request, call, status, error(status, "fault injected by the sandbox")),
          ctx::next);
    }).onFailure(err -> state.end(call, 0, null));
  }

  private static CallLog.Call call(RoutingContext ctx) {
    return ctx.get(CALL);
  }

  private void session(HttpServerRequest request, CallLog.Call call, Buffer body) {
    JsonObject json = jsonObject(body);
    if (json == null || !"api-key".equals(json.getValue("type"))
        || !(json.getValue("key") instanceof String) || !(json.getValue("secret") instanceof String)) {
      respond(request, call, 400, error(400, "expected {\"type\": \"api-key\", \"key\": ..., \"secret\": ...}"));
      return;
    }
    if (!options.apiKey().equals(json.getString("key")) || !options.apiSecret().equals(json.getString("secret"))) {
      respond(request, call, 401, error(401, "invalid API key or secret"));
      return;
    }
    long now = System.currentTimeMillis();
    long expiresAt = now + options.tokenLifetime().toMillis();
    String token = jwt(now / 1000, expiresAt / 1000);
    state.rememberToken(token, expiresAt);
    String answer = new JsonObject().put("access_token", token).encode();
    if (state.end(call, 201, new JsonObject().put("access_token", "****").encode())) {
      request.response().setStatusCode(201).putHeader("Content-Type", "application/json").end(answer);
    }
  }

  // header.payload.signature, base64url, so a client can read exp like a real Didomi JWT
  private static String jwt(long issuedAt, long expiresAt) {
    String header = new JsonObject().put("alg", "HS256").put("typ", "JWT").encode();
    String payload = new JsonObject().put("iss", "didomi-sandbox").put("sub", "api-key")
        .put("iat", issuedAt).put("exp", expiresAt).put("jti", UUID.randomUUID().toString()).encode();
    return BASE64URL.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
        + BASE64URL.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "."
        + BASE64URL.encodeToString(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
  }

  private void event(HttpServerRequest request, CallLog.Call call, Buffer body) {
    String bearer = SandboxServer.bearerToken(request.getHeader("Authorization"));
    String problem = bearer == null ? "missing bearer token" : state.tokenProblem(bearer);
    if (problem != null) {
      respond(request, call, 401, error(401, problem));
      return;
    }
    String organizationId = request.getParam("organization_id");
    if (organizationId == null || organizationId.isBlank()) {
      respond(request, call, 400, error(400, "the organization_id query parameter is required"));
      return;
    }
    if (!organizationId.equals(options.organizationId())) {
      respond(request, call, 403, error(403, "no access to organization " + organizationId));
      return;
    }
    if (isArray(body)) {
      events(request, call, organizationId, body);
      return;
    }
    JsonObject event = jsonObject(body);
    String invalid = event == null ? "the body must be a JSON object" : invalidEvent(event);
    if (invalid != null) {
      respond(request, call, 400, error(400, invalid));
      return;
    }
    DidomiSandboxState.Imported imported;
    try {
      imported = state.importEvent(organizationId, event);
    } catch (DidomiSandboxState.DuplicateEvent e) {
      respond(request, call, 409, error(409, e.getMessage()));
      return;
    }
    respond(request, call, 201, imported.event());
    emit(imported); // after the answer: a slow webhook target never delays the API
  }

  /** The most events one request may carry. */
  public static final int MAX_EVENTS_PER_REQUEST = 100;

  private static boolean isArray(Buffer body) {
    if (body == null) {
      return false;
    }
    for (int i = 0; i < body.length(); i++) {
      byte b = body.getByte(i);
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return b == '[';
      }
    }
    return false;
  }

  // an array of up to 100 events: all valid or none imported (400 naming the first bad one); an
  // event whose id was imported before is skipped, the others imported in order
  private void events(HttpServerRequest request, CallLog.Call call, String organizationId, Buffer body) {
    JsonArray events;
    try {
      events = new JsonArray(body);
    } catch (RuntimeException e) {
      respond(request, call, 400, error(400, "the body must be a JSON object or an array of them"));
      return;
    }
    if (events.isEmpty() || events.size() > MAX_EVENTS_PER_REQUEST) {
      respond(request, call, 400, error(400, "an array carries 1 to " + MAX_EVENTS_PER_REQUEST + " events"));
      return;
    }
    for (int i = 0; i < events.size(); i++) {
      String invalid = events.getValue(i) instanceof JsonObject event ? invalidEvent(event) : "not an object";
      if (invalid != null) {
        respond(request, call, 400, error(400, "events[" + i + "]: " + invalid));
        return;
      }
    }
    List<DidomiSandboxState.Imported> imported = new ArrayList<>();
    JsonArray duplicates = new JsonArray();
    for (int i = 0; i < events.size(); i++) {
      try {
        imported.add(state.importEvent(organizationId, events.getJsonObject(i)));
      } catch (DidomiSandboxState.DuplicateEvent e) {
        duplicates.add(events.getJsonObject(i).getString("id"));
      }
    }
    JsonArray out = new JsonArray();
    imported.forEach(one -> out.add(one.event()));
    respond(request, call, 201, new JsonObject().put("events", out).put("duplicates", duplicates));
    imported.forEach(this::emit);
  }

  /** null when {@code event} is a usable consent event, else what is wrong with it. */
  static String invalidEvent(JsonObject event) {
    Object id = event.getValue("id");
    if (id != null && (!(id instanceof String s) || s.isBlank())) {
      return "id must be a non-blank string";
    }
    if (!(event.getValue("user") instanceof JsonObject user)) {
      return "user is required";
    }
    if (!(user.getValue("organization_user_id") instanceof String key) || key.isBlank()) {
      return "user.organization_user_id is required";
    }
    if (user.getValue("metadata") != null && !(user.getValue("metadata") instanceof JsonObject)) {
      return "user.metadata must be an object";
    }
    if (!(event.getValue("consents") instanceof JsonObject consents)
        || !(consents.getValue("purposes") instanceof JsonArray purposes)) {
      return "consents.purposes must be an array";
    }
    for (int i = 0; i < purposes.size(); i++) {
      if (!(purposes.getValue(i) instanceof JsonObject purpose)
          || !(purpose.getValue("id") instanceof String pid) || pid.isBlank()) {
        return "consents.purposes[" + i + "] needs a string id";
      }
      Object enabled = purpose.getValue("enabled");
      if (enabled != null && !(enabled instanceof Boolean)) {
        return "consents.purposes[" + i + "].enabled must be true, false or null";
      }
      Object values = purpose.getValue("values");
      if (values != null) {
        if (!(values instanceof JsonObject preferences)) {
          return "consents.purposes[" + i + "].values must be an object";
        }
        for (String preference : preferences.fieldNames()) {
          if (!(preferences.getValue(preference) instanceof JsonObject v) || !(v.getValue("value") instanceof String)) {
            return "consents.purposes[" + i + "].values." + preference + " must be {\"value\": \"a,b\"}";
          }
        }
      }
    }
    return null;
  }

  // a user's own change: an event without id, imported and emitted like any other
  private JsonObject userChange(String organizationUserId, JsonObject change) {
    JsonObject consents = change.getJsonObject("consents");
    JsonArray purposes = consents != null ? consents.getJsonArray("purposes") : change.getJsonArray("purposes");
    JsonObject user = new JsonObject().put("organization_user_id", organizationUserId);
    if (change.getValue("metadata") != null) {
      user.put("metadata", change.getValue("metadata"));
    }
    JsonObject event = new JsonObject().put("user", user)
        .put("consents", new JsonObject().put("purposes", purposes == null ? new JsonArray() : purposes));
    String invalid = invalidEvent(event);
    if (invalid != null) {
      throw new IllegalArgumentException(invalid);
    }
    DidomiSandboxState.Imported imported = state.importEvent(options.organizationId(), event);
    emit(imported);
    return imported.after();
  }

  // ---- webhook emission ----

  private void emit(DidomiSandboxState.Imported imported) {
    DidomiWebhookTarget target = webhookTarget;
    if (target == null) {
      return;
    }
    JsonObject after = imported.after();
    JsonObject webhook = imported.before() == null
        ? new JsonObject().put("type", "user.created").put("parameters", new JsonObject().put("entity", after))
        : new JsonObject().put("type", "user.updated").put("parameters", new JsonObject()
            .put("source", new JsonObject().put("id", "src-" + UUID.randomUUID()).put("created_at", after.getString("updated_at")))
            .put("old_entity", imported.before())
            .put("new_entity", after));
    String body = webhook.encode();
    long delivery = state.newDelivery(webhook.getString("type"), after.getString("organization_user_id"),
        imported.event().getString("id"), body);
    // first attempts leave in import order, so a test sees created before updated; retries don't wait
    lastFirstAttempt = lastFirstAttempt.transform(v -> attempt(target, delivery, Buffer.buffer(body), 1));
  }

  private Future<Void> attempt(DidomiWebhookTarget target, long delivery, Buffer body, int attempt) {
    return webhookToken(target)
        .compose(token -> server.web().postAbs(target.targetUrl())
            .putHeader("Authorization", "Bearer " + token)
            .putHeader("Content-Type", "application/json")
            .timeout(10_000)
            .sendBuffer(body))
        .transform(ar -> {
          WebhookAttempt outcome = WebhookAttempt.of(ar);
          state.attempted(delivery, outcome);
          boolean refused = outcome.status() == 401;
          if (refused) {
            webhookToken = null; // the gateway may have restarted with a new signing key
          }
          if ((outcome.retryable() || refused) && attempt < options.webhookMaxAttempts()) {
            long delay = WebhookAttempt.retryDelayMs(options.webhookRetryDelay(), attempt);
            vertx.setTimer(delay, id -> attempt(target, delivery, body, attempt + 1));
          } else if (!outcome.delivered()) {
            LOG.warn("Didomi sandbox gave up webhook {} after {} attempt(s): {}", delivery, attempt, outcome.error());
          }
          return Future.<Void>succeededFuture();
        });
  }

  private Future<String> webhookToken(DidomiWebhookTarget target) {
    if (webhookToken != null && System.currentTimeMillis() < webhookTokenRefreshAtMs) {
      return Future.succeededFuture(webhookToken);
    }
    if (webhookTokenFetch != null) {
      return webhookTokenFetch; // one fetch at a time
    }
    MultiMap form = MultiMap.caseInsensitiveMultiMap()
        .add("grant_type", "client_credentials")
        .add("client_id", target.clientId())
        .add("client_secret", target.clientSecret());
    Future<String> fetch = server.web().postAbs(target.tokenUrl()).timeout(10_000).sendForm(form).compose(response -> {
      if (response.statusCode() != 200) {
        return Future.failedFuture(new IllegalStateException("token endpoint answered " + response.statusCode()));
      }
      JsonObject json = response.bodyAsJsonObject();
      String token = json == null ? null : json.getString("access_token");
      if (token == null) {
        return Future.failedFuture(new IllegalStateException("token endpoint answered without access_token"));
      }
      long lifetimeMs = json.getLong("expires_in", 3600L) * 1000;
      webhookToken = token;
      webhookTokenRefreshAtMs = System.currentTimeMillis() + lifetimeMs * 9 / 10;
      return Future.succeededFuture(token);
    });
    webhookTokenFetch = fetch;
    fetch.onComplete(ar -> {
      if (webhookTokenFetch == fetch) {
        webhookTokenFetch = null; // runs at once when the fetch already failed: never cache a failure
      }
    });
    return fetch;
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
        ctx.response().setStatusCode(400).end(error(400, String.valueOf(e.getMessage())).encode());
      }
    };
  }

  // ---- plumbing ----

  private void respond(HttpServerRequest request, CallLog.Call call, int status, JsonObject body) {
    String encoded = body.encode();
    if (!state.end(call, status, encoded)) {
      return;
    }
    SandboxServer.answerJson(request.response(), status, encoded);
  }

  // Didomi's API answers errors as {"code", "name", "message"}
  private static JsonObject error(int status, String message) {
    String name = switch (status) {
      case 400 -> "BadRequest";
      case 401 -> "NotAuthenticated";
      case 403 -> "Forbidden";
      case 404 -> "NotFound";
      case 409 -> "Conflict";
      case 429 -> "TooManyRequests";
      default -> status >= 500 ? "GeneralError" : "Error";
    };
    return new JsonObject().put("code", status).put("name", name).put("message", message);
  }

  private static JsonObject jsonObject(Buffer body) {
    try {
      Object json = body.length() == 0 ? null : body.toJsonValue();
      return json instanceof JsonObject object ? object : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String maskSecret(String body) {
    try {
      JsonObject json = new JsonObject(body);
      if (json.containsKey("secret")) {
        json.put("secret", "****");
      }
      return json.encode();
    } catch (RuntimeException e) {
      return "(unreadable session request)"; // it may hold a secret: never keep it raw
    }
  }
}
