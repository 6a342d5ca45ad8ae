package io.consentgateway.remote;

import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;

/**
 * What every call to one licence of a remote goes through, whichever integration makes it: one
 * {@link PacingGate} ({@code maxConcurrency} in flight, {@code callsPerWindow} started per sliding
 * {@code window}, a bounded waiting queue), one {@code vertx-circuit-breaker} and a {@code timeout}
 * on each HTTP exchange, counted and timed in the calling integration's {@link RemoteCallMetrics}.
 *
 * <p>{@link #call} succeeds with any answer that is not the remote struggling, for the client to
 * classify; it fails, with the failure the caller's {@link Failures} makes of it, on 429, 5xx,
 * timeout, connection error, open breaker, full queue or paused licence. Only the remote's own
 * troubles count toward opening the breaker. While the breaker is open calls fail fast, with the
 * time left before it probes again. The {@link Observer} hears of the breaker's changes and of
 * 429s, so the licence can stop its lanes and pause. Futures complete on the caller's context.
 *
 * @param <O> the client's operations
 */
public final class RemoteCallGuard<O extends RemoteOperation> {

  /** Why a call got no answer worth classifying. */
  public enum Trouble {
    RATE_LIMITED("rate_limited"),
    SERVER_ERROR("server_error"),
    TIMEOUT("timeout"),
    CONNECTION("connection_error"),
    BREAKER_OPEN("breaker_open"),
    QUEUE_FULL("queue_full"),
    /** Nothing was sent: the licence is paused after a 429, or blocked and releasing its waiting calls. */
    PAUSED("paused");

    private final String outcome;

    Trouble(String outcome) {
      this.outcome = outcome;
    }

    /** The {@code outcome} tag of a call that ended this way. */
    public String outcome() {
      return outcome;
    }
  }

  /** How one remote names what went wrong: its own failure type and its answers' outcome tags. */
  public interface Failures<O extends RemoteOperation> {

    /**
     * The failure a caller gets for {@code trouble}: {@code status} and {@code body} are the
     * remote's (0 and null without an answer), {@code retryAfter} what it asked for or the time the
     * breaker stays open (null when neither), {@code detail} what happened, in words.
     */
    RuntimeException failure(Trouble trouble, O op, int status, String body, Duration retryAfter,
        String detail, Throwable cause);

    /** The {@code outcome} tag of a call the remote answered with {@code status}. */
    String outcome(int status);
  }

  /** Who makes a call: the failures and meters of its integration. */
  public record Caller<O extends RemoteOperation>(Failures<O> failures, RemoteCallMetrics metrics) {
    public Caller {
      Objects.requireNonNull(failures, "failures");
      Objects.requireNonNull(metrics, "metrics");
    }
  }

  /** Told what the licence's calls reveal: the breaker's changes and the remote's 429s. Any thread. */
  public interface Observer {
    Observer NONE = new Observer() {};

    /** The breaker opened; {@code lastError} is the trouble that tipped it, in words. */
    default void breakerOpened(String lastError) {}

    /** The breaker lets one call through: the probe. */
    default void breakerHalfOpen() {}

    default void breakerClosed() {}

    /** The remote answered 429, asking for {@code retryAfter} (null when it did not say). */
    default void rateLimited(Duration retryAfter, String detail) {}

    /** The remote answered something other than a 429 or 5xx. */
    default void answered() {}
  }

  /** The bounds of one licence's calls. */
  public record Limits(int maxConcurrency, int callsPerWindow, Duration window, int maxQueued, Duration timeout,
      int breakerMaxFailures, Duration breakerResetTimeout) {
    public Limits {
      Objects.requireNonNull(window, "window");
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(breakerResetTimeout, "breakerResetTimeout");
    }
  }

  /** A call's trouble on its way through the breaker, which counts it; unwrapped before the caller sees it. */
  private static final class Troubled extends RuntimeException {
    final Trouble trouble;
    final RuntimeException failure;

    Troubled(Trouble trouble, RuntimeException failure) {
      super(failure.getMessage(), failure, false, false);
      this.trouble = trouble;
      this.failure = failure;
    }
  }

  private final String remoteName;
  private final Limits limits;
  private final Caller<O> own;
  private final Observer observer;
  private final WebClient web;
  private final Clock clock;
  private final Ticker ticker;
  private final PacingGate gate;
  private final CircuitBreaker breaker;
  private volatile long breakerOpenedAtNanos;
  private volatile String lastTrouble;

  /**
   * @param remoteName how logs and messages name the remote ({@code Actito}, {@code Didomi})
   * @param breakerName the circuit breaker's name, unique per remote and integration
   * @param context the integration the client serves, in words, for the logs
   * @param log where the breaker's changes of state are logged
   * @param clock reads the date a {@code Retry-After} names; spans (call durations, the breaker's
   *     wait, the gate's window) are measured with {@link Ticker#of its ticker}
   */
  public RemoteCallGuard(Vertx vertx, String remoteName, String breakerName, String context, Limits limits,
      Failures<O> failures, RemoteCallMetrics metrics, Logger log, Clock clock) {
    this(vertx, remoteName, breakerName, context, limits, failures, metrics, log, clock, Observer.NONE);
  }

  /**
   * @param failures and {@code metrics}: those of the licence's own calls (tokens, probes), whose
   *     meters also carry the gate's and breaker's gauges
   */
  public RemoteCallGuard(Vertx vertx, String remoteName, String breakerName, String context, Limits limits,
      Failures<O> failures, RemoteCallMetrics metrics, Logger log, Clock clock, Observer observer) {
    Objects.requireNonNull(vertx, "vertx");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ticker = Ticker.of(clock);
    this.remoteName = Objects.requireNonNull(remoteName, "remoteName");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.own = new Caller<>(failures, metrics);
    this.observer = Objects.requireNonNull(observer, "observer");
    this.web = WebClient.create(vertx,
        new WebClientOptions()
            .setKeepAlive(true)
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, limits.timeout().toMillis()))
            .setUserAgent("consent-gateway"),
        // the gate already bounds concurrency; a pool as large keeps calls from queueing twice
        new PoolOptions().setHttp1MaxSize(limits.maxConcurrency()));
    this.gate = new PacingGate(vertx, clock, ticker, limits.maxConcurrency(), limits.callsPerWindow(), limits.window(),
        limits.maxQueued());
    this.breaker = CircuitBreaker.create(breakerName, vertx,
        new CircuitBreakerOptions()
            .setMaxFailures(limits.breakerMaxFailures())
            .setResetTimeout(limits.breakerResetTimeout().toMillis())
            .setTimeout(-1) // each HTTP call has its own timeout; queue time must not count
            .setNotificationAddress(null)
            .setFallbackOnFailure(false));
    // only failures that show the remote struggling count: send() turns those (and only those) into failures
    this.breaker.failurePolicy(f -> f.failed() && !(f.cause() instanceof OpenCircuitException));
    this.breaker.openHandler(v -> {
      breakerOpenedAtNanos = ticker.nanos();
      log.warn("{} circuit breaker opened for {}: calls fail fast for {}", remoteName, context,
          limits.breakerResetTimeout());
      observer.breakerOpened(lastTrouble);
    });
    this.breaker.halfOpenHandler(v -> {
      log.info("{} circuit breaker half-open for {}: probing", remoteName, context);
      observer.breakerHalfOpen();
    });
    this.breaker.closeHandler(v -> {
      log.info("{} circuit breaker closed for {}", remoteName, context);
      observer.breakerClosed();
    });
    metrics.watch(gate, breaker);
  }

  /** The licence's own calls (tokens, probes): its failures and meters. */
  public Caller<O> own() {
    return own;
  }

  public Limits limits() {
    return limits;
  }

  public PacingGate gate() {
    return gate;
  }

  public CircuitBreakerState breakerState() {
    return breaker.state();
  }

  /**
   * One paced call: {@code body} (JSON) when not null, {@code authorization} as the header of that
   * name when not null; {@code urgent} calls (token requests) wait ahead of the others.
   */
  public Future<HttpResponse<Buffer>> call(
      O op, HttpMethod method, String url, Buffer body, String authorization, boolean urgent) {
    return call(own, op, method, url, body, authorization, urgent);
  }

  /** {@link #call} on behalf of {@code caller}: its failures and its meters. */
  public Future<HttpResponse<Buffer>> call(
      Caller<O> caller, O op, HttpMethod method, String url, Buffer body, String authorization, boolean urgent) {
    return call(caller, op, method, url, body, JSON, () -> authorization, false, urgent);
  }

  private static final String JSON = "application/json";

  // Nothing was sent: no valid token was cached when the call left the gate (its permit went back unused).
  private static final class NoTokenAtTheGate extends RuntimeException {
    NoTokenAtTheGate() {
      super("no valid token when the call left the pacing gate", null, false, false);
    }
  }

  /**
   * One paced call whose {@code Authorization} header is read from {@code authorization} only once
   * the call has its permit, that is when it leaves the gate, never before it waits there. With
   * {@code required}, a null header means no token: the permit goes back unused and the future
   * fails with {@link NoTokenAtTheGate}.
   */
  private Future<HttpResponse<Buffer>> call(Caller<O> caller, O op, HttpMethod method, String url, Buffer body,
      String contentType, java.util.function.Supplier<String> authorization, boolean required, boolean urgent) {
    Failures<O> failures = caller.failures();
    RemoteCallMetrics metrics = caller.metrics();
    if (breaker.state() == CircuitBreakerState.OPEN) {
      return breakerOpen(caller, op);
    }
    return (urgent ? gate.acquireUrgent() : gate.acquire()).transform(acquired -> {
      if (acquired.failed()) {
        if (acquired.cause() instanceof PacingGate.PausedException paused) {
          metrics.count(op, Trouble.PAUSED.outcome());
          return Future.failedFuture(failures.failure(Trouble.PAUSED, op, 0, null, null, paused.getMessage(), null));
        }
        metrics.count(op, Trouble.QUEUE_FULL.outcome());
        return Future.failedFuture(failures.failure(Trouble.QUEUE_FULL, op, 0, null, null,
            "more than " + limits.maxQueued() + " " + remoteName + " calls waiting", null));
      }
      PacingGate.Permit permit = acquired.result();
      String header = authorization.get();
      if (required && header == null) {
        permit.releaseUnused();
        return Future.<HttpResponse<Buffer>>failedFuture(new NoTokenAtTheGate());
      }
      long started = ticker.nanos();
      Future<HttpResponse<Buffer>> exchange =
          breaker.execute(() -> send(failures, op, method, url, body, contentType, header));
      return exchange.transform(done -> {
        if (done.failed() && done.cause() instanceof OpenCircuitException) {
          permit.releaseUnused(); // half-open and not the probe: nothing was sent, nothing spent
          return breakerOpen(caller, op);
        }
        permit.release();
        metrics.recordDuration(op, ticker.nanos() - started);
        if (done.succeeded()) {
          metrics.count(op, failures.outcome(done.result().statusCode()));
          return Future.succeededFuture(done.result());
        }
        if (done.cause() instanceof Troubled troubled) {
          metrics.count(op, troubled.trouble.outcome());
          return Future.<HttpResponse<Buffer>>failedFuture(troubled.failure);
        }
        metrics.count(op, "error");
        return Future.<HttpResponse<Buffer>>failedFuture(done.cause());
      });
    });
  }

  /**
   * A {@link #call} with {@code Authorization: Bearer {token}}. A token can be revoked or expire
   * early: when the remote answers 401, one fresh token and one retry; the retry's answer, 401 or
   * not, is the caller's to classify.
   */
  public Future<HttpResponse<Buffer>> callWithBearer(
      BearerToken token, O op, HttpMethod method, String url, Buffer body) {
    return callWithBearer(own, token, op, method, url, body);
  }

  /** {@link #callWithBearer} on behalf of {@code caller}. */
  public Future<HttpResponse<Buffer>> callWithBearer(
      Caller<O> caller, BearerToken token, O op, HttpMethod method, String url, Buffer body) {
    return callWithBearer(caller, token, op, method, url, body, JSON);
  }

  /** {@link #callWithBearer} with a body of {@code contentType} (a multipart upload, say). */
  public Future<HttpResponse<Buffer>> callWithBearer(
      Caller<O> caller, BearerToken token, O op, HttpMethod method, String url, Buffer body, String contentType) {
    // the token is attached when the call leaves the gate: one taken before would wait there, and
    // could expire before it is sent (Actito then answers 401, a call spent for nothing)
    java.util.concurrent.atomic.AtomicReference<String> used = new java.util.concurrent.atomic.AtomicReference<>();
    return withTokenAtTheGate(caller, token, op, method, url, body, contentType, used, 0)
        .compose(response -> response.statusCode() != 401
            ? Future.succeededFuture(response)
            : token.refreshAfterRejection(used.get())
                .compose(fresh -> call(caller, op, method, url, body, contentType, () -> "Bearer " + fresh, false, false)));
  }

  // None cached when the call left the gate: its permit went back unused, a token is fetched (its
  // own urgent, paced call), and the call goes back to the front of the queue with it.
  private Future<HttpResponse<Buffer>> withTokenAtTheGate(Caller<O> caller, BearerToken token, O op, HttpMethod method,
      String url, Buffer body, String contentType, java.util.concurrent.atomic.AtomicReference<String> used, int round) {
    return call(caller, op, method, url, body, contentType, () -> bearer(token.cachedValid(), used), true, round > 0)
        .recover(err -> {
          if (!(err instanceof NoTokenAtTheGate)) {
            return Future.failedFuture(err);
          }
          if (round >= 3) {
            // tokens that stay valid for less than the wait at the front of the gate: retry later
            return Future.failedFuture(caller.failures().failure(Trouble.SERVER_ERROR, op, 0, null, null,
                "no " + remoteName + " token stayed valid until the call could be sent", null));
          }
          return token.current().compose(fetched -> withTokenAtTheGate(caller, token, op, method, url, body, contentType,
              used, round + 1));
        });
  }

  private static String bearer(String token, java.util.concurrent.atomic.AtomicReference<String> used) {
    if (token == null) {
      return null;
    }
    used.set(token);
    return "Bearer " + token;
  }

  /** Stops the breaker, removes the meters, closes the connections. */
  public void close() {
    breaker.close();
    own.metrics().close();
    web.close();
  }

  private Future<HttpResponse<Buffer>> send(
      Failures<O> failures, O op, HttpMethod method, String url, Buffer body, String contentType, String authorization) {
    var request = web.requestAbs(method, url)
        .timeout(limits.timeout().toMillis())
        .putHeader("Accept", "application/json");
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    Future<HttpResponse<Buffer>> sent = body == null
        ? request.send()
        : request.putHeader("Content-Type", contentType).sendBuffer(body);
    return sent.transform(ar -> {
      if (ar.failed()) {
        Throwable t = ar.cause();
        boolean timeout = t instanceof TimeoutException;
        return troubled(failures, timeout ? Trouble.TIMEOUT : Trouble.CONNECTION, op, 0, null, null,
            timeout ? "no answer within " + limits.timeout().toMillis() + " ms"
                : t.getClass().getSimpleName() + ": " + t.getMessage(), t);
      }
      HttpResponse<Buffer> response = ar.result();
      int status = response.statusCode();
      if (status == 429 || status >= 500) {
        Duration retryAfter = Backoff.parseRetryAfter(response.getHeader("Retry-After"), clock).orElse(null);
        Future<HttpResponse<Buffer>> failed = troubled(failures, status == 429 ? Trouble.RATE_LIMITED : Trouble.SERVER_ERROR,
            op, status, response.bodyAsString(), retryAfter, null, null);
        if (status == 429) {
          // before the permit is released: no call of the licence may start in between
          observer.rateLimited(retryAfter, lastTrouble);
        }
        return failed;
      }
      observer.answered();
      return Future.succeededFuture(response);
    });
  }

  private Future<HttpResponse<Buffer>> troubled(Failures<O> failures, Trouble trouble, O op, int status, String body,
      Duration retryAfter, String detail, Throwable cause) {
    RuntimeException failure = failures.failure(trouble, op, status, body, retryAfter, detail, cause);
    lastTrouble = failure.getMessage();
    return Future.failedFuture(new Troubled(trouble, failure));
  }

  private Future<HttpResponse<Buffer>> breakerOpen(Caller<O> caller, O op) {
    caller.metrics().count(op, Trouble.BREAKER_OPEN.outcome());
    Duration remaining = limits.breakerResetTimeout().minusNanos(ticker.nanos() - breakerOpenedAtNanos);
    return Future.failedFuture(caller.failures().failure(Trouble.BREAKER_OPEN, op, 0, null,
        remaining.isNegative() ? Duration.ZERO : remaining, "circuit breaker open", null));
  }
}
