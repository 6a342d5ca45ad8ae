package io.consentgateway.bidirectional;

import io.consentgateway.actito.Backoff;
import io.consentgateway.actito.PacingGate;
import io.consentgateway.bidirectional.DidomiWriteResult.Delivered;
import io.consentgateway.bidirectional.DidomiWriteResult.Permanent;
import io.consentgateway.bidirectional.DidomiWriteResult.Retryable;
import io.consentgateway.bidirectional.DidomiWriteResult.RetryReason;
import io.consentgateway.remote.CachedToken;
import io.consentgateway.remote.RemoteCallMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The non-blocking client of Didomi's Consents API (DESIGN.md §2.4) for one integration's reverse
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
  private final WebClient web;
  private final PacingGate gate;
  private final CircuitBreaker breaker;
  private final DidomiTokens tokens;
  private volatile long breakerOpenedAtNanos;

  public DidomiClient(Vertx vertx, DidomiClientSettings settings, MeterRegistry registry) {
    Objects.requireNonNull(vertx, "vertx");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.metrics = new RemoteCallMetrics(Objects.requireNonNull(registry, "registry"), "didomi", "Didomi",
        settings.integrationId());
    this.web = WebClient.create(vertx,
        new WebClientOptions()
            .setKeepAlive(true)
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis()))
            .setUserAgent("consent-gateway"),
        // the gate already bounds concurrency; a pool as large keeps calls from queueing twice
        new PoolOptions().setHttp1MaxSize(settings.maxConcurrency()));
    this.gate = new PacingGate(vertx, settings.maxConcurrency(), settings.callsPerWindow(), settings.rateWindow(),
        settings.maxQueued());
    this.breaker = CircuitBreaker.create("didomi-" + settings.integrationId(), vertx,
        new CircuitBreakerOptions()
            .setMaxFailures(settings.breakerMaxFailures())
            .setResetTimeout(settings.breakerResetTimeout().toMillis())
            .setTimeout(-1) // each HTTP call has its own timeout; queue time must not count
            .setNotificationAddress(null)
            .setFallbackOnFailure(false));
    // only failures that show Didomi struggling count: send() turns those (and only those) into failures
    this.breaker.failurePolicy(f -> f.failed() && !(f.cause() instanceof OpenCircuitException));
    this.breaker.openHandler(v -> {
      breakerOpenedAtNanos = System.nanoTime();
      LOG.warn("Didomi circuit breaker opened for {}: calls fail fast for {}", settings.describe(),
          settings.breakerResetTimeout());
    });
    this.breaker.halfOpenHandler(v -> LOG.info("Didomi circuit breaker half-open for {}: probing", settings.describe()));
    this.breaker.closeHandler(v -> LOG.info("Didomi circuit breaker closed for {}", settings.describe()));
    this.tokens = new DidomiTokens(vertx, this::fetchToken, settings.tokenRefreshMargin(), settings.authRetryInterval());
    metrics.watch(gate, breaker);
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
    return tokens.current()
        .compose(token -> paced(DidomiOperation.WRITE_EVENT, url, body, "Bearer " + token, false)
            .compose(response -> response.statusCode() != 401
                ? Future.succeededFuture(response)
                // a token can be revoked or expire early: one fresh token, one retry
                : tokens.refreshAfterRejection(token)
                    .compose(fresh -> paced(DidomiOperation.WRITE_EVENT, url, body, "Bearer " + fresh, false))))
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
    return breaker.state();
  }

  /** The gate of this client, for metrics and tests. */
  public PacingGate gate() {
    return gate;
  }

  /** Tokens fetched successfully so far. */
  public long tokenRefreshes() {
    return tokens.refreshes();
  }

  public Future<Void> close() {
    breaker.close();
    metrics.close();
    web.close();
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

  // ---- the call pipeline: gate -> breaker -> HTTP ----

  /**
   * One paced call. Succeeds with any answer that is not Didomi struggling; fails (retryable) on
   * 429, 5xx, timeout, connection error, open breaker or full queue.
   */
  private Future<HttpResponse<Buffer>> paced(
      DidomiOperation op, String url, Buffer body, String authorization, boolean urgent) {
    if (breaker.state() == CircuitBreakerState.OPEN) {
      metrics.count(op, "breaker_open");
      return Future.failedFuture(breakerOpen(op));
    }
    return (urgent ? gate.acquireUrgent() : gate.acquire()).transform(acquired -> {
      if (acquired.failed()) {
        metrics.count(op, "queue_full");
        return Future.failedFuture(retryable(RetryReason.QUEUE_FULL, op, 0, null, null,
            "more than " + settings.maxQueued() + " Didomi calls waiting", null));
      }
      PacingGate.Permit permit = acquired.result();
      long started = System.nanoTime();
      Future<HttpResponse<Buffer>> exchange = breaker.execute(() -> send(op, url, body, authorization));
      return exchange.transform(done -> {
        permit.release();
        if (done.failed() && done.cause() instanceof OpenCircuitException) {
          metrics.count(op, "breaker_open"); // half-open and not the probe: nothing was sent
          return Future.failedFuture(breakerOpen(op));
        }
        metrics.recordDuration(op, System.nanoTime() - started);
        metrics.count(op, done.succeeded() ? outcome(done.result().statusCode()) : outcome(done.cause()));
        return done.succeeded()
            ? Future.succeededFuture(done.result())
            : Future.<HttpResponse<Buffer>>failedFuture(done.cause());
      });
    });
  }

  private Future<HttpResponse<Buffer>> send(DidomiOperation op, String url, Buffer body, String authorization) {
    var request = web.postAbs(url)
        .timeout(settings.timeout().toMillis())
        .putHeader("Accept", "application/json")
        .putHeader("Content-Type", "application/json");
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    return request.sendBuffer(body).transform(ar -> {
      if (ar.failed()) {
        Throwable t = ar.cause();
        boolean timeout = t instanceof TimeoutException;
        return Future.failedFuture(retryable(timeout ? RetryReason.TIMEOUT : RetryReason.CONNECTION, op, 0, null,
            null, timeout ? "no answer within " + settings.timeout().toMillis() + " ms"
                : t.getClass().getSimpleName() + ": " + t.getMessage(), t));
      }
      HttpResponse<Buffer> response = ar.result();
      int status = response.statusCode();
      if (status == 429 || status >= 500) {
        Duration retryAfter = Backoff.parseRetryAfter(response.getHeader("Retry-After"), Clock.systemUTC()).orElse(null);
        return Future.failedFuture(retryable(status == 429 ? RetryReason.RATE_LIMITED : RetryReason.SERVER_ERROR,
            op, status, response.bodyAsString(), retryAfter, null, null));
      }
      return Future.succeededFuture(response);
    });
  }

  private Future<CachedToken.Issued> fetchToken() {
    Buffer body = new JsonObject()
        .put("type", "api-key")
        .put("key", settings.apiKey().reveal())
        .put("secret", settings.apiSecret().reveal())
        .toBuffer();
    return paced(DidomiOperation.TOKEN, settings.baseUrl() + "/v1/sessions", body, null, true).transform(ar -> {
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

  private DidomiCallException breakerOpen(DidomiOperation op) {
    Duration remaining = settings.breakerResetTimeout().minusNanos(System.nanoTime() - breakerOpenedAtNanos);
    return retryable(RetryReason.BREAKER_OPEN, op, 0, null, remaining.isNegative() ? Duration.ZERO : remaining,
        "circuit breaker open", null);
  }

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

  private static String outcome(Throwable failure) {
    if (failure instanceof DidomiCallException e && e.result() instanceof Retryable r) {
      return switch (r.reason()) {
        case RATE_LIMITED -> "rate_limited";
        case SERVER_ERROR -> "server_error";
        case TIMEOUT -> "timeout";
        case CONNECTION -> "connection_error";
        default -> "error";
      };
    }
    return "error";
  }
}
