package io.consentgateway.didomi;

import io.consentgateway.mapping.DidomiConsentEvent;
import io.consentgateway.remote.Backoff;
import io.consentgateway.remote.PacingGate;
import io.consentgateway.didomi.DidomiWriteResult.Delivered;
import io.consentgateway.didomi.DidomiWriteResult.Permanent;
import io.consentgateway.didomi.DidomiWriteResult.Retryable;
import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.RemoteCallException.RetryReason;
import io.consentgateway.remote.RemoteCallGuard;
import io.consentgateway.remote.RemoteCallMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The non-blocking client of Didomi's Consents API (docs/design.md §2, Didomi Consents API) for one integration's reverse
 * flow, shared by every verticle instance of the process. Every call — token requests included —
 * goes through the integration's {@link DidomiLicence}, shared with the integrations on the same
 * key and host: one {@link PacingGate} ({@code maxConcurrency} in flight, {@code callsPerWindow}
 * started per sliding window, a bounded waiting queue), one {@code vertx-circuit-breaker} and one
 * token, with a timeout on each call. The token comes from {@code POST /v1/sessions} ({@code {"type": "api-key", "key",
 * "secret"}}), is cached until shortly before its JWT {@code exp} (1 hour when it carries none) and
 * fetched once however many calls wait; a 401 triggers one refresh and one retry.
 *
 * <p>{@link #writeConsentEvent} always succeeds, with a {@link DidomiWriteResult} on the caller's
 * context: 2xx → {@link Delivered}; 409 to an event carrying an {@code id} → {@link Delivered} with
 * {@code alreadyImported} (Didomi dedups by id: an earlier attempt got through); 400/404/422 and
 * other client errors → {@link Permanent} with Didomi's status and body; 429, 5xx, 408, timeout,
 * connection error, full queue, open breaker → {@link Retryable} with Didomi's {@code Retry-After}
 * (or the breaker's remaining open time); a refused key or secret, or 401/403 even with a fresh
 * token → {@link Retryable} with {@code authFailed}. The client never retries beyond the single 401
 * refresh: the dispatcher schedules retries (see {@link Backoff}).
 *
 * <p>Metrics (tag {@code integration} on all): {@code didomi.calls} (counter — {@code
 * didomi_calls_total} in Prometheus — tags {@code operation}, {@code outcome}), {@code
 * didomi.call.duration} (timer, tag {@code operation}), {@code didomi.calls.inflight}, {@code
 * didomi.calls.queued}, {@code didomi.breaker.state} (0 closed, 1 half-open, 2 open), {@code
 * didomi.auth.failed} (0/1), {@code didomi.token.refreshes} (counter, tag {@code outcome}). No
 * secret or token ever reaches a tag, a log or a result.
 */
public final class DidomiClient {

  private static final Logger LOG = LoggerFactory.getLogger(DidomiClient.class);

  private final DidomiClientSettings settings;
  private final DidomiLicence licence;
  private final boolean ownsLicence;
  private final RemoteCallMetrics metrics;
  private final RemoteCallGuard.Caller<DidomiOperation> caller;

  /** A client with a licence of its own: closing the client closes the licence. */
  public DidomiClient(Vertx vertx, DidomiClientSettings settings, MeterRegistry registry) {
    this(vertx, settings, registry, Clock.systemUTC());
  }

  /** As above, the licence reading time from {@code clock} (and {@link io.consentgateway.remote.Ticker#of its ticker}). */
  public DidomiClient(Vertx vertx, DidomiClientSettings settings, MeterRegistry registry, Clock clock) {
    this(DidomiLicence.solo(Objects.requireNonNull(vertx, "vertx"), settings, registry, clock), settings, registry, true);
  }

  /** A client of one integration on a shared {@code licence} ({@link DidomiLicences}). */
  public DidomiClient(DidomiLicence licence, DidomiClientSettings settings, MeterRegistry registry) {
    this(licence, settings, registry, false);
  }

  private DidomiClient(DidomiLicence licence, DidomiClientSettings settings, MeterRegistry registry, boolean ownsLicence) {
    this.licence = Objects.requireNonNull(licence, "licence");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.ownsLicence = ownsLicence;
    this.metrics = new RemoteCallMetrics(Objects.requireNonNull(registry, "registry"), "didomi", "Didomi",
        settings.integrationId());
    this.caller = new RemoteCallGuard.Caller<>(licence.failures(settings.describe()), metrics);
  }

  /** The licence this integration's write-backs go through. */
  public DidomiLicence licence() {
    return licence;
  }

  public DidomiClientSettings settings() {
    return settings;
  }

  /**
   * {@code POST {base}/v1/consents/events?organization_id={organizationId}} with {@code event} (the
   * body of {@link DidomiConsentEvent#json()}). The future always succeeds, with what became of it.
   */
  public Future<DidomiWriteResult> writeConsentEvent(String organizationId, JsonObject event) {
    Objects.requireNonNull(organizationId, "organizationId");
    Objects.requireNonNull(event, "event");
    String url = settings.baseUrl() + "/v1/consents/events?organization_id="
        + URLEncoder.encode(organizationId, StandardCharsets.UTF_8);
    Buffer body = event.toBuffer();
    boolean hasId = event.getValue("id") instanceof String;
    // a 401 gets one fresh token and one retry
    return licence.guard().callWithBearer(caller, licence.tokens(), DidomiOperation.WRITE_EVENT, HttpMethod.POST, url, body)
        .transform(ar -> Future.succeededFuture(ar.succeeded()
            ? classify(ar.result(), hasId)
            : resultOf(ar.cause())));
  }

  /** A valid token, fetched if needed: proves the key and secret work. */
  public Future<Void> authenticate() {
    return licence.tokens().current().mapEmpty();
  }

  /** True while Didomi refuses the key or secret. */
  public boolean authFailed() {
    return licence.tokens().authFailure() != null;
  }

  public CircuitBreakerState breakerState() {
    return licence.guard().breakerState();
  }

  /** The gate of this client's licence, for metrics and tests. */
  public PacingGate gate() {
    return licence.guard().gate();
  }

  /** Tokens fetched successfully so far. */
  public long tokenRefreshes() {
    return licence.tokens().refreshes();
  }

  /** Removes this integration's meters; closes the licence too when it is the client's own. */
  public Future<Void> close() {
    metrics.close();
    if (ownsLicence) {
      licence.close();
    }
    return Future.succeededFuture();
  }

  // ---- classification ----

  private DidomiWriteResult classify(HttpResponse<Buffer> response, boolean hasId) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return new Delivered(status, false);
    }
    if (status == 409 && hasId) {
      return new Delivered(status, true);
    }
    String body = truncate(response.bodyAsString());
    if (status == 401 || status == 403) {
      String message = message(DidomiOperation.WRITE_EVENT, status, body,
          status == 401 ? "a fresh token was refused" : "the API key has no access to this organization");
      LOG.error("{}", message);
      return new Retryable(RetryReason.NONE, null, true, message);
    }
    if (status == 408) {
      return new Retryable(RetryReason.TIMEOUT, null, false, message(DidomiOperation.WRITE_EVENT, status, body, null));
    }
    return new Permanent(status, body, message(DidomiOperation.WRITE_EVENT, status, body, "rejected"));
  }

  private DidomiWriteResult resultOf(Throwable failure) {
    if (failure instanceof RemoteCallException e) {
      return DidomiWriteResult.of(e);
    }
    return new Retryable(RetryReason.CONNECTION, null, false,
        message(DidomiOperation.WRITE_EVENT, 0, null, failure.getClass().getSimpleName() + ": " + failure.getMessage()));
  }

  private String message(DidomiOperation op, int status, String body, String detail) {
    return DidomiLicence.message(settings.describe(), op, status, body, detail);
  }

  private static String truncate(String body) {
    return DidomiLicence.truncate(body);
  }

  static String outcome(int status) {
    if (status >= 200 && status < 300) {
      return "success";
    }
    return switch (status) {
      case 401, 403 -> "unauthorized";
      case 409 -> "conflict";
      default -> "client_error";
    };
  }
}
