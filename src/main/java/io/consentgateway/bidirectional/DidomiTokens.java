package io.consentgateway.bidirectional;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The Didomi access token of one integration. It caches the token and fetches a new one ahead of
 * expiry (at {@code min(refreshMargin, lifetime / 2)} before it), one fetch at a time however many
 * callers wait; {@link #refreshAfterRejection(String)} replaces a token Didomi answered 401 to,
 * unless another caller already did. A refused key or secret is remembered: callers fail fast with
 * it, without spending calls, until {@code authRetryInterval} has passed. Thread-safe; futures
 * complete on the caller's context.
 */
final class DidomiTokens {

  /** What {@code POST /v1/sessions} answered. */
  record IssuedToken(String accessToken, Duration lifetime) {
    IssuedToken {
      Objects.requireNonNull(accessToken, "accessToken");
      Objects.requireNonNull(lifetime, "lifetime");
    }

    @Override
    public String toString() {
      return "IssuedToken[lifetime=" + lifetime + "]"; // never the token itself
    }
  }

  private final Vertx vertx;
  private final Supplier<Future<IssuedToken>> fetch;
  private final Duration refreshMargin;
  private final Duration authRetryInterval;

  private String token;
  private long refreshAtNanos;
  private Future<String> pending;
  private DidomiCallException authFailure;
  private long authRetryAtNanos;
  private long refreshes;

  DidomiTokens(Vertx vertx, Supplier<Future<IssuedToken>> fetch, Duration refreshMargin, Duration authRetryInterval) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.fetch = Objects.requireNonNull(fetch, "fetch");
    this.refreshMargin = Objects.requireNonNull(refreshMargin, "refreshMargin");
    this.authRetryInterval = Objects.requireNonNull(authRetryInterval, "authRetryInterval");
  }

  /** A token valid for a while yet: the cached one, or a fresh one. */
  Future<String> current() {
    synchronized (this) {
      long now = System.nanoTime();
      if (token != null && now - refreshAtNanos < 0) {
        return Future.succeededFuture(token);
      }
      return refreshLocked(now);
    }
  }

  /** A token other than {@code rejected}, which Didomi has just refused. */
  Future<String> refreshAfterRejection(String rejected) {
    synchronized (this) {
      long now = System.nanoTime();
      if (token != null && !token.equals(rejected) && now - refreshAtNanos < 0) {
        return Future.succeededFuture(token);
      }
      if (rejected != null && rejected.equals(token)) {
        token = null;
      }
      return refreshLocked(now);
    }
  }

  synchronized DidomiCallException authFailure() {
    return authFailure;
  }

  synchronized long refreshes() {
    return refreshes;
  }

  private Future<String> refreshLocked(long now) {
    if (authFailure != null && now - authRetryAtNanos < 0) {
      return Future.failedFuture(authFailure);
    }
    Context caller = vertx.getOrCreateContext();
    if (pending == null) {
      Promise<String> promise = Promise.promise();
      pending = promise.future();
      // fetch outside this lock: it may complete synchronously (breaker open, queue full)
      caller.runOnContext(v -> fetch.get().onComplete(ar -> settle(promise, ar.succeeded() ? ar.result() : null, ar.cause())));
    }
    return onContext(caller, pending);
  }

  private void settle(Promise<String> promise, IssuedToken issued, Throwable failure) {
    synchronized (this) {
      pending = null;
      if (issued != null) {
        long lifetime = Math.max(0, issued.lifetime().toNanos());
        long margin = Math.min(refreshMargin.toNanos(), lifetime / 2);
        token = issued.accessToken();
        refreshAtNanos = System.nanoTime() + lifetime - margin;
        authFailure = null;
        refreshes++;
      } else if (failure instanceof DidomiCallException e && e.authFailed()) {
        authFailure = e;
        authRetryAtNanos = System.nanoTime() + authRetryInterval.toNanos();
        token = null;
      }
    }
    if (issued != null) {
      promise.complete(issued.accessToken());
    } else {
      promise.fail(failure);
    }
  }

  private static <T> Future<T> onContext(Context context, Future<T> shared) {
    if (shared.isComplete()) {
      return shared;
    }
    Promise<T> promise = Promise.promise();
    shared.onComplete(ar -> context.runOnContext(v -> promise.handle(ar)));
    return promise.future();
  }

  /**
   * How long a Didomi access token lives: its JWT {@code exp} (epoch seconds) minus {@code
   * nowEpochMillis}, never negative; {@code fallback} when the token is not a JWT or has no
   * readable {@code exp}. The signature is not checked: only Didomi needs to trust the token.
   */
  static Duration lifetime(String accessToken, long nowEpochMillis, Duration fallback) {
    String[] parts = accessToken.split("\\.", -1);
    if (parts.length != 3) {
      return fallback;
    }
    try {
      byte[] payload = Base64.getUrlDecoder().decode(parts[1].replace('+', '-').replace('/', '_').replace("=", ""));
      Object exp = new JsonObject(new String(payload, StandardCharsets.UTF_8)).getValue("exp");
      if (!(exp instanceof Number seconds)) {
        return fallback;
      }
      long millis = (long) (seconds.doubleValue() * 1000) - nowEpochMillis;
      return Duration.ofMillis(Math.max(0, millis));
    } catch (RuntimeException e) {
      return fallback;
    }
  }
}
