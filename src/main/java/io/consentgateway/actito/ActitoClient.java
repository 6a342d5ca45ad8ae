package io.consentgateway.actito;

import io.consentgateway.actito.ActitoCallException.Kind;
import io.consentgateway.actito.ActitoCallException.RetryReason;
import io.consentgateway.remote.RemoteCallGuard;
import io.consentgateway.remote.RemoteCallGuard.Trouble;
import io.consentgateway.remote.RemoteCallMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The non-blocking client of one Actito licence (one per {@code actito} block), shared by every
 * verticle instance of the process. Every call — token requests and look-ups included — goes
 * through one {@link PacingGate} ({@code maxConcurrency} in flight, {@code callsPerMinute} started
 * per sliding minute, a bounded waiting queue) and one {@code vertx-circuit-breaker}, with a
 * {@code timeout} on each. Tokens are fetched, cached and refreshed by {@link ActitoTokens}; a 401
 * triggers one refresh and one retry.
 *
 * <p>Futures complete on the caller's Vert.x context. They fail with {@link ActitoCallException},
 * whose {@link ActitoCallException#kind()} says what to do; the client itself never retries beyond
 * the single 401 refresh — the dispatcher schedules retries (see {@link Backoff}). While the breaker
 * is open calls fail fast as {@link RetryReason#BREAKER_OPEN}, retryable, never permanent.
 *
 * <p>Metrics (tag {@code integration} on all): {@code actito.calls} (counter, tags {@code
 * operation}, {@code outcome}), {@code actito.call.duration} (timer with histogram, tag {@code
 * operation}), {@code actito.calls.inflight}, {@code actito.calls.queued}, {@code
 * actito.breaker.state} (0 closed, 1 half-open, 2 open), {@code actito.auth.failed} (0/1), {@code
 * actito.token.refreshes} (counter, tag {@code outcome}). No secret ever reaches a tag or a log.
 */
public final class ActitoClient {

  private static final Logger LOG = LoggerFactory.getLogger(ActitoClient.class);

  private final Vertx vertx;
  private final ActitoClientSettings settings;
  private final RemoteCallMetrics metrics;
  private final RemoteCallGuard<ActitoOperation> guard;
  private final ActitoTokens tokens;
  private final String profilesBase;

  public ActitoClient(Vertx vertx, ActitoClientSettings settings, MeterRegistry registry) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.metrics = new RemoteCallMetrics(Objects.requireNonNull(registry, "registry"), "actito", "Actito",
        settings.integrationId());
    if (settings.baseUrl().startsWith(io.consentgateway.config.ActitoConfig.SANDBOX)) {
      throw new IllegalArgumentException("baseUrl 'sandbox' must be resolved to the started sandbox's URL "
          + "(ActitoClientSettings.withBaseUrl) for " + settings.describe());
    }
    this.guard = new RemoteCallGuard<>(vertx, "Actito", "actito-" + settings.integrationId(), settings.describe(),
        new RemoteCallGuard.Limits(settings.maxConcurrency(), settings.callsPerMinute(),
            settings.rateWindow().plus(settings.rateMargin()), settings.maxQueued(), settings.timeout(),
            settings.breakerMaxFailures(), settings.breakerResetTimeout()),
        new RemoteCallGuard.Failures<>() {
          @Override
          public RuntimeException failure(Trouble trouble, ActitoOperation op, int status, String body,
              Duration retryAfter, String detail, Throwable cause) {
            // every trouble has a retry reason of the same name
            return ActitoClient.this.failure(Kind.RETRYABLE, RetryReason.valueOf(trouble.name()), op, status, body,
                retryAfter, detail, cause);
          }

          @Override
          public String outcome(int status) {
            return ActitoClient.outcome(status);
          }
        },
        metrics, LOG);
    this.tokens = new ActitoTokens(vertx, this::fetchToken, settings.tokenRefreshMargin(), settings.authRetryInterval());
    this.profilesBase = settings.baseUrl() + "/profiles/v4/entity/" + encode(settings.entity())
        + "/table/" + encode(settings.table());
    metrics.watchAuth(() -> tokens.authFailure() != null, "1 while Actito refuses the API key");
  }

  public ActitoClientSettings settings() {
    return settings;
  }

  // ---- operations ----

  /** {@code POST .../profile?allowUpdate=true}: creates or updates, attributes and subscriptions in one call. */
  public Future<Long> upsert(JsonObject profile) {
    return upsert(profile.toBuffer());
  }

  /** As {@link #upsert(JsonObject)}, with the body as written: numbers reach Actito as they are. */
  public Future<Long> upsert(Buffer profile) {
    return authorized(ActitoOperation.UPSERT, HttpMethod.POST, profilesBase + "/profile?allowUpdate=true",
        profile).map(r -> profileId(ActitoOperation.UPSERT, r));
  }

  /** {@code GET .../profile/{userUniqueKey}={value}}: empty when Actito has no such profile. */
  public Future<Optional<ActitoProfile>> lookup(String uniqueKeyValue) {
    String url = profilesBase + "/profile/" + encode(settings.userUniqueKey()) + "=" + encode(uniqueKeyValue);
    return authorized(ActitoOperation.LOOKUP, HttpMethod.GET, url, null)
        .map(r -> Optional.of(ActitoProfile.fromJson(r.bodyAsJsonObject())))
        .recover(err -> isNotFound(err) ? Future.succeededFuture(Optional.empty()) : Future.failedFuture(err));
  }

  /** {@code PUT .../profile/{profileId}} with {@code {"attributes": [...]}}; NOT_FOUND when the id is gone. */
  public Future<Long> update(long profileId, JsonArray attributes) {
    return update(profileId, new JsonObject().put("attributes", attributes).toBuffer());
  }

  /** As {@link #update(long, JsonArray)}, with the {@code {"attributes": [...]}} body as written. */
  public Future<Long> update(long profileId, Buffer attributesBody) {
    return authorized(ActitoOperation.UPDATE, HttpMethod.PUT, profilesBase + "/profile/" + profileId,
        attributesBody).map(r -> profileId);
  }

  /** {@code POST .../profile/{profileId}/subscription/{name}}. */
  public Future<Void> subscribe(long profileId, String subscription) {
    return authorized(ActitoOperation.SUBSCRIBE, HttpMethod.POST, subscriptionUrl(profileId, subscription), null)
        .mapEmpty();
  }

  /** {@code DELETE .../profile/{profileId}/subscription/{name}}. */
  public Future<Void> unsubscribe(long profileId, String subscription) {
    return authorized(ActitoOperation.UNSUBSCRIBE, HttpMethod.DELETE, subscriptionUrl(profileId, subscription), null)
        .mapEmpty();
  }

  /** {@code GET {base}/profile-table-structure/v5/entities/{entity}/profile-tables}, as returned. */
  public Future<JsonObject> tableStructure() {
    String url = settings.baseUrl() + "/profile-table-structure/v5/entities/" + encode(settings.entity())
        + "/profile-tables";
    return authorized(ActitoOperation.TABLE_STRUCTURE, HttpMethod.GET, url, null).map(r -> {
      Object json = r.bodyAsJson(Object.class);
      return json instanceof JsonArray array ? new JsonObject().put("profileTables", array)
          : json instanceof JsonObject object ? object : new JsonObject();
    });
  }

  /** A valid token, fetched if needed: proves the key works. */
  public Future<Void> authenticate() {
    return tokens.current().mapEmpty();
  }

  public ActitoHealth health() {
    ActitoCallException auth = tokens.authFailure();
    CircuitBreakerState state = guard.breakerState();
    ActitoHealth.Status status = auth != null ? ActitoHealth.Status.AUTH_FAILED
        : state != CircuitBreakerState.CLOSED ? ActitoHealth.Status.DEGRADED
        : ActitoHealth.Status.UP;
    String problem = auth != null ? auth.getMessage()
        : state != CircuitBreakerState.CLOSED ? "circuit breaker " + state.name().toLowerCase() : null;
    return new ActitoHealth(settings.integrationId(), status, state, problem, guard.gate().inFlight(),
        guard.gate().queued(), tokens.refreshes());
  }

  public CircuitBreakerState breakerState() {
    return guard.breakerState();
  }

  /** The gate of this licence, for metrics and tests. */
  public PacingGate gate() {
    return guard.gate();
  }

  public Future<Void> close() {
    guard.close();
    return Future.succeededFuture();
  }

  // ---- the call pipeline: token -> guard (gate -> breaker -> HTTP) -> classification ----

  private Future<HttpResponse<Buffer>> authorized(ActitoOperation op, HttpMethod method, String url, Buffer body) {
    // a 401 gets one fresh token and one retry
    return guard.callWithBearer(tokens, op, method, url, body).map(response -> expectSuccess(op, response));
  }

  private HttpResponse<Buffer> expectSuccess(ActitoOperation op, HttpResponse<Buffer> response) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return response;
    }
    String body = response.bodyAsString();
    if (status == 401 || status == 403) {
      throw failure(Kind.AUTH_FAILED, RetryReason.NONE, op, status, body, null, "Actito refused a fresh token", null);
    }
    if (status == 404) {
      throw failure(Kind.NOT_FOUND, RetryReason.NONE, op, status, body, null, null, null);
    }
    if (status == 408) {
      throw failure(Kind.RETRYABLE, RetryReason.TIMEOUT, op, status, body, null, null, null);
    }
    throw failure(Kind.PERMANENT, RetryReason.NONE, op, status, body, null, null, null);
  }

  private Future<ActitoTokens.IssuedToken> fetchToken() {
    // the raw key, no "Bearer": Actito's token endpoint takes the API key itself
    return guard.call(ActitoOperation.TOKEN, HttpMethod.GET, settings.baseUrl() + "/auth/token", null,
        settings.apiKey().reveal(), true).transform(ar -> {
          if (ar.failed()) {
            metrics.countTokenRefresh("failure");
            return Future.failedFuture(ar.cause());
          }
          HttpResponse<Buffer> response = ar.result();
          int status = response.statusCode();
          if (status < 200 || status >= 300) {
            metrics.countTokenRefresh("failure");
            ActitoCallException refused = failure(Kind.AUTH_FAILED, RetryReason.NONE, ActitoOperation.TOKEN,
                status, response.bodyAsString(), null, "the API key is refused; fix actito.apiKey", null);
            LOG.error("{}", refused.getMessage());
            return Future.failedFuture(refused);
          }
          try {
            JsonObject json = response.bodyAsJsonObject();
            var issued = new ActitoTokens.IssuedToken(json.getString("accessToken"),
                ActitoTokens.parseExpiresIn(json.getValue("expiresIn")));
            metrics.countTokenRefresh("success");
            return Future.succeededFuture(issued);
          } catch (RuntimeException e) {
            metrics.countTokenRefresh("failure");
            return Future.failedFuture(failure(Kind.RETRYABLE, RetryReason.SERVER_ERROR, ActitoOperation.TOKEN,
                status, null, null, "unreadable token answer", null));
          }
        });
  }

  // ---- helpers ----

  private ActitoCallException failure(Kind kind, RetryReason reason, ActitoOperation op, int status, String body,
      Duration retryAfter, String detail, Throwable cause) {
    return new ActitoCallException(kind, reason, op, settings.describe(), status, body, retryAfter, detail, cause);
  }

  private static boolean isNotFound(Throwable err) {
    return err instanceof ActitoCallException e && e.kind() == Kind.NOT_FOUND;
  }

  private static long profileId(ActitoOperation op, HttpResponse<Buffer> response) {
    JsonObject json = response.bodyAsJsonObject();
    Long id = json == null ? null : json.getLong("profileId");
    if (id == null) {
      throw new IllegalStateException("Actito " + op + " answered without a profileId");
    }
    return id;
  }

  private String subscriptionUrl(long profileId, String subscription) {
    return profilesBase + "/profile/" + profileId + "/subscription/" + encode(subscription);
  }

  // one path segment: spaces as %20, and '/', '=', '+' escaped so they stay inside the segment
  static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String outcome(int status) {
    if (status >= 200 && status < 300) {
      return "success";
    }
    return switch (status) {
      case 401, 403 -> "unauthorized";
      case 404 -> "not_found";
      default -> "client_error";
    };
  }
}
