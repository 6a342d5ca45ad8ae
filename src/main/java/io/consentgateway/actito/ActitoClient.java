package io.consentgateway.actito;

import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.Backoff;
import io.consentgateway.remote.PacingGate;
import io.consentgateway.remote.RemoteCallException.Kind;
import io.consentgateway.remote.RemoteCallException.RetryReason;
import io.consentgateway.remote.RemoteCallGuard;
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
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The non-blocking client of one integration's Actito profile table (one per {@code actito}
 * block), shared by every verticle instance of the process. Every call goes through the integration's
 * {@link ActitoLicence}, shared with the other integrations on the same API key and host: one {@link
 * PacingGate} ({@code maxConcurrency} in flight, {@code callsPerMinute} started per sliding minute,
 * a bounded waiting queue), one {@code vertx-circuit-breaker} and one token, with a {@code timeout}
 * on each call. Tokens are fetched, cached and refreshed by the licence's {@link ActitoTokens}; a
 * 401 triggers one refresh and one retry.
 *
 * <p>Futures complete on the caller's Vert.x context. They fail with {@link RemoteCallException},
 * whose {@link RemoteCallException#kind()} says what to do; the client itself never retries beyond
 * the single 401 refresh — the dispatcher schedules retries (see {@link Backoff}). While the breaker
 * is open calls fail fast as {@link RetryReason#BREAKER_OPEN}, retryable, never permanent; while the
 * licence is paused after a 429, as {@link RetryReason#PAUSED}.
 *
 * <p>Metrics (tag {@code integration} on all): {@code actito.calls} (counter, tags {@code
 * operation}, {@code outcome}), {@code actito.call.duration} (timer with histogram, tag {@code
 * operation}), {@code actito.calls.inflight}, {@code actito.calls.queued}, {@code
 * actito.breaker.state} (0 closed, 1 half-open, 2 open), {@code actito.auth.failed} (0/1), {@code
 * actito.token.refreshes} (counter, tag {@code outcome}). The calls are counted under the
 * integration; the gauges, tokens and probes under the licence ({@link RemoteCallMetrics}). No
 * secret ever reaches a tag or a log.
 */
public final class ActitoClient {

  private static final Logger LOG = LoggerFactory.getLogger(ActitoClient.class);

  private final ActitoClientSettings settings;
  private final ActitoLicence licence;
  private final boolean ownsLicence;
  private final RemoteCallMetrics metrics;
  private final RemoteCallGuard.Caller<ActitoOperation> caller;
  private final String profilesBase;
  private final String profilesV5;
  // the profile API version Actito answered 410 Gone to, until a call to it succeeds again
  private volatile Gone gone;

  /** Actito answered {@code 410 Gone} to the {@code version} profile calls, last at {@code atMillis}. */
  private record Gone(String version, String message, long atMillis) {}

  /** How long a lane holds, after a {@code 410 Gone}, before one more call asks again. */
  public static final Duration GONE_HOLD = Duration.ofSeconds(60);

  /** A client with a licence of its own (a check, a test): closing the client closes the licence. */
  public ActitoClient(Vertx vertx, ActitoClientSettings settings, MeterRegistry registry) {
    this(vertx, settings, registry, Clock.systemUTC());
  }

  /** As above, the licence reading time from {@code clock} (and {@link io.consentgateway.remote.Ticker#of its ticker}). */
  public ActitoClient(Vertx vertx, ActitoClientSettings settings, MeterRegistry registry, Clock clock) {
    this(ActitoLicence.solo(Objects.requireNonNull(vertx, "vertx"), settings, registry, clock), settings, registry, true);
  }

  /** A client of one integration on a shared {@code licence} ({@link ActitoLicences}). */
  public ActitoClient(ActitoLicence licence, ActitoClientSettings settings, MeterRegistry registry) {
    this(licence, settings, registry, false);
  }

  private ActitoClient(ActitoLicence licence, ActitoClientSettings settings, MeterRegistry registry, boolean ownsLicence) {
    this.licence = Objects.requireNonNull(licence, "licence");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.ownsLicence = ownsLicence;
    this.metrics = new RemoteCallMetrics(Objects.requireNonNull(registry, "registry"), "actito", "Actito",
        settings.integrationId());
    this.caller = new RemoteCallGuard.Caller<>(licence.failures(settings.describe()), metrics);
    this.profilesBase = settings.baseUrl() + "/profiles/v4/entity/" + encode(settings.entity())
        + "/table/" + encode(settings.table());
    this.profilesV5 = settings.baseUrl() + "/profiles/v5/entities/" + encode(settings.entity())
        + "/profile-tables/" + encode(settings.table()) + "/profiles";
  }

  public ActitoClientSettings settings() {
    return settings;
  }

  /** The licence this integration's calls go through, shared with the integrations on the same key and host. */
  public ActitoLicence licence() {
    return licence;
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

  // ---- V5 ----

  /**
   * V5 upsert, {@code PUT .../profiles} with {@code {"key": {...}, "attributes": {...},
   * "subscriptions": {...}}} as written: creates or updates, everything in one call.
   */
  public Future<Long> upsertV5(Buffer profile) {
    return authorized(ActitoOperation.UPSERT, HttpMethod.PUT, profilesV5, profile)
        .map(r -> profileId(ActitoOperation.UPSERT, r));
  }

  /**
   * V5 update only, {@code PATCH .../profiles/{userUniqueKey}={value}} with {@code {"attributes":
   * {...}, "subscriptions": {...}}}: fails {@link Kind#NOT_FOUND} when Actito has no such profile,
   * which it never creates.
   */
  public Future<Long> patchV5(String uniqueKeyValue, Buffer changes) {
    return authorized(ActitoOperation.PATCH, HttpMethod.PATCH, profilesV5 + "/" + keyV5(uniqueKeyValue), changes)
        .map(r -> profileId(ActitoOperation.PATCH, r));
  }

  /**
   * V5 read, {@code GET .../profiles/{userUniqueKey}={value}?subscriptions=A,B}: empty when Actito
   * has no such profile. {@code subscriptions}: the ones to report (Actito's V5 reads name them).
   */
  public Future<Optional<ActitoProfile>> lookupV5(String uniqueKeyValue, java.util.Collection<String> subscriptions) {
    String url = profilesV5 + "/" + keyV5(uniqueKeyValue) + (subscriptions.isEmpty() ? ""
        : "?subscriptions=" + String.join(",", subscriptions.stream().map(ActitoClient::encode).toList()));
    return authorized(ActitoOperation.LOOKUP, HttpMethod.GET, url, null)
        .map(r -> Optional.of(ActitoProfile.fromJson(r.bodyAsJsonObject())))
        .recover(err -> isNotFound(err) ? Future.succeededFuture(Optional.empty()) : Future.failedFuture(err));
  }

  private String keyV5(String uniqueKeyValue) {
    return encode(settings.userUniqueKey()) + "=" + encode(uniqueKeyValue);
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

  /**
   * {@code POST {base}/mass-imports/v5/entities/{entity}/etls/{etlId}/trigger-execution}: one
   * multipart part {@code filePart} holding {@code zip} (a ZIP of one CSV); answers Actito's
   * execution id. Paced like every call of the licence.
   */
  public Future<String> triggerImport(String etlId, String filePart, String fileName, Buffer zip) {
    String url = massImports() + "/etls/" + encode(etlId) + "/trigger-execution";
    String boundary = "consent-gateway-" + java.util.UUID.randomUUID();
    Buffer body = Buffer.buffer(zip.length() + 512)
        .appendString("--" + boundary + "\r\n")
        .appendString("Content-Disposition: form-data; name=\"" + filePart + "\"; filename=\"" + fileName + "\"\r\n")
        .appendString("Content-Type: application/zip\r\n\r\n")
        .appendBuffer(zip)
        .appendString("\r\n--" + boundary + "--\r\n");
    return licence.guard().callWithBearer(caller, licence.tokens(), ActitoOperation.IMPORT_TRIGGER, HttpMethod.POST, url,
            body, "multipart/form-data; boundary=" + boundary)
        .map(response -> expectSuccess(ActitoOperation.IMPORT_TRIGGER, null, response))
        .map(response -> {
          JsonObject json = response.bodyAsJsonObject();
          Object id = json == null ? null : json.getValue("executionId");
          if (id == null) {
            throw new IllegalStateException("Actito answered the trigger of ETL " + etlId + " without an executionId");
          }
          return String.valueOf(id);
        });
  }

  /** {@code GET {base}/mass-imports/v5/entities/{entity}/etl-executions/{id}}: the execution, with its {@code status}. */
  public Future<JsonObject> importExecution(String executionId) {
    String url = massImports() + "/etl-executions/" + encode(executionId);
    return authorized(ActitoOperation.IMPORT_STATUS, HttpMethod.GET, url, null).map(r -> {
      JsonObject json = r.bodyAsJsonObject();
      if (json == null || json.getString("status") == null) {
        throw new IllegalStateException("Actito answered execution " + executionId + " without a status");
      }
      return json;
    });
  }

  private String massImports() {
    return settings.baseUrl() + "/mass-imports/v5/entities/" + encode(settings.entity());
  }

  /** A valid token, fetched if needed: proves the key works. */
  public Future<Void> authenticate() {
    return licence.tokens().current().mapEmpty();
  }

  public ActitoHealth health() {
    RemoteCallException auth = licence.tokens().authFailure();
    CircuitBreakerState state = breakerState();
    boolean paused = gate().paused();
    Gone retired = gone;
    ActitoHealth.Status status = auth != null ? ActitoHealth.Status.AUTH_FAILED
        : retired != null ? ActitoHealth.Status.API_VERSION_GONE
        : state != CircuitBreakerState.CLOSED || paused ? ActitoHealth.Status.DEGRADED
        : ActitoHealth.Status.UP;
    String problem = auth != null ? auth.getMessage()
        : retired != null ? retired.message()
        : state != CircuitBreakerState.CLOSED ? "circuit breaker " + state.name().toLowerCase()
        : paused ? "paused after a 429" : null;
    return new ActitoHealth(settings.integrationId(), status, state, problem, gate().inFlight(),
        gate().queued(), licence.tokens().refreshes());
  }

  /**
   * Whether the lane should claim nothing: Actito answered {@code 410 Gone} to the profile API
   * version in use less than {@link #GONE_HOLD} ago. After the hold one more change asks again
   * (one call a minute at most, counted like any other), and a success clears the state.
   */
  public boolean apiVersionGone() {
    Gone retired = gone;
    return retired != null && System.currentTimeMillis() - retired.atMillis() < GONE_HOLD.toMillis();
  }

  public CircuitBreakerState breakerState() {
    return licence.guard().breakerState();
  }

  /** The gate of this licence, for metrics and tests. */
  public PacingGate gate() {
    return licence.guard().gate();
  }

  /** Removes this integration's meters; closes the licence too when it is the client's own. */
  public Future<Void> close() {
    metrics.close();
    if (ownsLicence) {
      licence.close();
    }
    return Future.succeededFuture();
  }

  // ---- the call pipeline: token -> guard (gate -> breaker -> HTTP) -> classification ----

  private Future<HttpResponse<Buffer>> authorized(ActitoOperation op, HttpMethod method, String url, Buffer body) {
    // a 401 gets one fresh token and one retry
    String version = url.startsWith(profilesV5) ? "v5" : url.startsWith(profilesBase) ? "v4" : null;
    return licence.guard().callWithBearer(caller, licence.tokens(), op, method, url, body)
        .map(response -> expectSuccess(op, version, response));
  }

  private HttpResponse<Buffer> expectSuccess(ActitoOperation op, String version, HttpResponse<Buffer> response) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      Gone retired = gone;
      if (retired != null && retired.version().equals(version)) {
        gone = null;
      }
      return response;
    }
    String body = response.bodyAsString();
    if (status == 410 && version != null) {
      // an account past the end of service of this profile API version: every change would get it
      String detail = "Actito answers 410 Gone to the " + version + " profile API; set actito.apiVersion to "
          + (version.equals("v4") ? "v5" : "v4") + " — changes wait, none is dead-lettered";
      boolean first = gone == null;
      gone = new Gone(version, settings.describe() + ": " + detail, System.currentTimeMillis());
      if (first) {
        LOG.error("{}: {}", settings.describe(), detail);
      }
      throw failure(Kind.RETRYABLE, RetryReason.API_GONE, op, status, body, GONE_HOLD, detail, null);
    }
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

  // ---- helpers ----

  private RemoteCallException failure(Kind kind, RetryReason reason, ActitoOperation op, int status, String body,
      Duration retryAfter, String detail, Throwable cause) {
    return ActitoFailure.of(kind, reason, op, settings.describe(), status, body, retryAfter, detail, cause);
  }

  private static boolean isNotFound(Throwable err) {
    return err instanceof RemoteCallException e && e.kind() == Kind.NOT_FOUND;
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

  static String outcome(int status) {
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
