package io.consentgateway.bidirectional;

import io.consentgateway.actito.Backoff;
import io.consentgateway.actito.PacingGate;
import io.consentgateway.bidirectional.DidomiWriteResult.Delivered;
import io.consentgateway.bidirectional.DidomiWriteResult.Permanent;
import io.consentgateway.bidirectional.DidomiWriteResult.Retryable;
import io.consentgateway.bidirectional.DidomiWriteResult.RetryReason;
import io.consentgateway.remote.CachedToken;
import io.consentgateway.remote.RemoteCallGuard;
import io.consentgateway.remote.RemoteCallGuard.Trouble;
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
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The non-blocking client of Didomi's Consents API (docs/design.md §2, Didomi Consents API) for one integration's reverse
 * flow, shared by every verticle instance of the process. Every call — token requests included —
 * goes through one {@link PacingGate} ({@code maxConcurrency} in flight, {@code callsPerWindow}
 * started per sliding window, a bounded waiting queue) and one {@code vertx-circuit-breaker}, with a
 * timeout on each. The token comes from {@code POST /v1/sessions} ({@code {"type": "api-key", "key",
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
  private static final int MAX_BODY_CHARS = 2_000;

  private final DidomiClientSettings settings;
  private final RemoteCallMetrics metrics;
  private final RemoteCallGuard<DidomiOperation> guard;
  private final DidomiTokens tokens;

  public DidomiClient(Vertx vertx, DidomiClientSettings settings, MeterRegistry registry) {
    Objects.requireNonNull(vertx, "vertx");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.metrics = new RemoteCallMetrics(Objects.requireNonNull(registry, "registry"), "didomi", "Didomi",
        settings.integrationId());
    this.guard = new RemoteCallGuard<>(vertx, "Didomi", "didomi-" + settings.integrationId(), settings.describe(),
        new RemoteCallGuard.Limits(settings.maxConcurrency(), settings.callsPerWindow(), settings.rateWindow(),
            settings.maxQueued(), settings.timeout(), settings.breakerMaxFailures(), settings.breakerResetTimeout()),
        new RemoteCallGuard.Failures<>() {
          @Override
          public RuntimeException failure(Trouble trouble, DidomiOperation op, int status, String body,
              Duration retryAfter, String detail, Throwable cause) {
            // every trouble has a retry reason of the same name
            return retryable(RetryReason.valueOf(trouble.name()), op, status, body, retryAfter, detail, cause);
          }

          @Override
          public String outcome(int status) {
            return DidomiClient.outcome(status);
          }
        },
        metrics, LOG);
    this.tokens = new DidomiTokens(vertx, this::fetchToken, settings.tokenRefreshMargin(), settings.authRetryInterval());
    metrics.watchAuth(() -> tokens.authFailure() != null, "1 while Didomi refuses the API key or secret");
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
    return guard.callWithBearer(tokens, DidomiOperation.WRITE_EVENT, HttpMethod.POST, url, body)
        .transform(ar -> Future.succeededFuture(ar.succeeded()
            ? classify(ar.result(), hasId)
            : resultOf(ar.cause())));
  }

  /** A valid token, fetched if needed: proves the key and secret work. */
  public Future<Void> authenticate() {
    return tokens.current().mapEmpty();
  }

  /** True while Didomi refuses the key or secret. */
  public boolean authFailed() {
    return tokens.authFailure() != null;
  }

  public CircuitBreakerState breakerState() {
    return guard.breakerState();
  }

  /** The gate of this client, for metrics and tests. */
  public PacingGate gate() {
    return guard.gate();
  }

  /** Tokens fetched successfully so far. */
  public long tokenRefreshes() {
    return tokens.refreshes();
  }

  public Future<Void> close() {
    guard.close();
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
    if (failure instanceof DidomiCallException e) {
      return e.result();
    }
    return new Retryable(RetryReason.CONNECTION, null, false,
        message(DidomiOperation.WRITE_EVENT, 0, null, failure.getClass().getSimpleName() + ": " + failure.getMessage()));
  }

  private Future<CachedToken.Issued> fetchToken() {
    Buffer body = new JsonObject()
        .put("type", "api-key")
        .put("key", settings.apiKey().reveal())
        .put("secret", settings.apiSecret().reveal())
        .toBuffer();
    return guard.call(DidomiOperation.TOKEN, HttpMethod.POST, settings.baseUrl() + "/v1/sessions", body, null,
        true).transform(ar -> {
      if (ar.failed()) {
        metrics.countTokenRefresh("failure");
        return Future.failedFuture(ar.cause());
      }
      HttpResponse<Buffer> response = ar.result();
      int status = response.statusCode();
      if (status < 200 || status >= 300) {
        metrics.countTokenRefresh("failure");
        String message = message(DidomiOperation.TOKEN, status, truncate(response.bodyAsString()),
            "the API key or secret is refused; fix bidirectional.didomiApi");
        LOG.error("{}", message);
        return Future.failedFuture(new DidomiCallException(new Retryable(RetryReason.NONE, null, true, message), message, null));
      }
      String token;
      try {
        token = response.bodyAsJsonObject().getString("access_token");
      } catch (RuntimeException e) {
        token = null;
      }
      if (token == null || token.isBlank()) {
        metrics.countTokenRefresh("failure");
        return Future.failedFuture(retryable(RetryReason.SERVER_ERROR, DidomiOperation.TOKEN, status, null, null,
            "answer without access_token", null));
      }
      metrics.countTokenRefresh("success");
      return Future.succeededFuture(new CachedToken.Issued(token,
          DidomiTokens.lifetime(token, System.currentTimeMillis(), DidomiClientSettings.DEFAULT_TOKEN_LIFETIME)));
    });
  }

  // ---- helpers ----

  private DidomiCallException retryable(RetryReason reason, DidomiOperation op, int status, String body,
      Duration retryAfter, String detail, Throwable cause) {
    String message = message(op, status, truncate(body), detail);
    return new DidomiCallException(new Retryable(reason, retryAfter, false, message), message, cause);
  }

  private String message(DidomiOperation op, int status, String body, String detail) {
    var sb = new StringBuilder("Didomi ").append(op).append(" for ").append(settings.describe());
    if (status != 0) {
      sb.append(": status ").append(status);
    }
    if (detail != null) {
      sb.append(status != 0 ? ", " : ": ").append(detail);
    }
    if (body != null && !body.isEmpty()) {
      sb.append(", body ").append(body);
    }
    return sb.toString();
  }

  private static String truncate(String body) {
    return body == null || body.length() <= MAX_BODY_CHARS ? body : body.substring(0, MAX_BODY_CHARS) + "…";
  }

  private static String outcome(int status) {
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
