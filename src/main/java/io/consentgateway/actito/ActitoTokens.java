package io.consentgateway.actito;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The access token of one Actito licence. It caches the token and fetches a new one ahead of expiry
 * (at {@code min(refreshMargin, lifetime / 2)} before it), one fetch at a time however many callers
 * wait; {@link #refreshAfterRejection(String)} replaces a token Actito answered 401 to, unless
 * another caller already did. A refused API key ({@link ActitoCallException.Kind#AUTH_FAILED}) is
 * remembered: callers fail fast with it, without spending calls, until {@code authRetryInterval}
 * has passed. Thread-safe; futures complete on the caller's context.
 */
public final class ActitoTokens {

  /** What {@code GET /auth/token} answered. */
  public record IssuedToken(String accessToken, Duration expiresIn) {
    public IssuedToken {
      Objects.requireNonNull(accessToken, "accessToken");
      Objects.requireNonNull(expiresIn, "expiresIn");
    }

    @Override
    public String toString() {
      return "IssuedToken[expiresIn=" + expiresIn + "]"; // never the token itself
    }
  }

  private final Vertx vertx;
  private final Supplier<Future<IssuedToken>> fetch;
  private final Duration refreshMargin;
  private final Duration authRetryInterval;

  private String token;
  private long refreshAtNanos;
  private Future<String> pending;
  private ActitoCallException authFailure;
  private long authRetryAtNanos;
  private long refreshes;

  /** {@code fetch} performs one paced, classified {@code GET /auth/token}. */
  public ActitoTokens(
      Vertx vertx, Supplier<Future<IssuedToken>> fetch, Duration refreshMargin, Duration authRetryInterval) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.fetch = Objects.requireNonNull(fetch, "fetch");
    this.refreshMargin = Objects.requireNonNull(refreshMargin, "refreshMargin");
    this.authRetryInterval = Objects.requireNonNull(authRetryInterval, "authRetryInterval");
  }

  /** A token valid for a while yet: the cached one, or a fresh one. */
  public Future<String> current() {
    synchronized (this) {
      long now = System.nanoTime();
      if (token != null && now - refreshAtNanos < 0) {
        return Future.succeededFuture(token);
      }
      return refreshLocked(now);
    }
  }

  /** A token other than {@code rejected}, which Actito has just refused. */
  public Future<String> refreshAfterRejection(String rejected) {
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

  /** The reason the API key was refused, while that stands; null otherwise. */
  public synchronized ActitoCallException authFailure() {
    return authFailure;
  }

  /** Successful token fetches so far. */
  public synchronized long refreshes() {
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
        long now = System.nanoTime();
        token = issued.accessToken();
        long lifetime = issued.expiresIn().toNanos();
        long margin = Math.min(refreshMargin.toNanos(), lifetime / 2);
        refreshAtNanos = now + lifetime - margin;
        authFailure = null;
        refreshes++;
      } else if (failure instanceof ActitoCallException e && e.kind() == ActitoCallException.Kind.AUTH_FAILED) {
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
   * Parses Actito's {@code expiresIn}: {@code "900s"}, {@code "1.5s"}, or a bare number of seconds.
   *
   * @throws IllegalArgumentException when unreadable
   */
  public static Duration parseExpiresIn(Object expiresIn) {
    if (expiresIn instanceof Number n) {
      return Duration.ofMillis(Math.round(n.doubleValue() * 1000));
    }
    if (expiresIn == null) {
      throw new IllegalArgumentException("expiresIn missing");
    }
    String text = expiresIn.toString().trim().toLowerCase();
    if (text.endsWith("s")) {
      text = text.substring(0, text.length() - 1);
    }
    try {
      long millis = new BigDecimal(text).movePointRight(3).longValue();
      if (millis <= 0) {
        throw new IllegalArgumentException("expiresIn must be positive: " + expiresIn);
      }
      return Duration.ofMillis(millis);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("unreadable expiresIn: " + expiresIn, e);
    }
  }
}
