package io.consentgateway.remote;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The access token of one remote API, cached and fetched single-flight. A token is refreshed ahead
 * of expiry (at {@code min(refreshMargin, lifetime / 2)} before it), one fetch at a time however
 * many callers wait; {@link #refreshAfterRejection(String)} replaces a token the remote answered
 * 401 to, unless another caller already did. A failure that says the credentials are refused (as
 * {@code refusal} recognises it) is remembered: callers fail fast with it, without spending calls,
 * until {@code authRetryInterval} has passed (read at each refusal, so the licence can grow it),
 * or until {@link #probe()} asks again; any other failure only fails the callers that waited for
 * that fetch. Time is read from a {@link Ticker}. Thread-safe; futures complete on the caller's
 * context.
 *
 * @param <F> the remote's failure that means "credentials refused"
 */
public final class CachedToken<F extends Throwable> implements BearerToken {

  /** What the remote's token endpoint answered: the token and how long it lives. */
  public record Issued(String accessToken, Duration lifetime) {
    public Issued {
      Objects.requireNonNull(accessToken, "accessToken");
      Objects.requireNonNull(lifetime, "lifetime");
    }

    @Override
    public String toString() {
      return "Issued[lifetime=" + lifetime + "]"; // never the token itself
    }
  }

  private final Vertx vertx;
  private final Ticker ticker;
  private final Supplier<Future<Issued>> fetch;
  private final Function<Throwable, F> refusal;
  private final Duration refreshMargin;
  private final Supplier<Duration> authRetryInterval;

  private String token;
  private long refreshAtNanos;
  private Future<String> pending;
  private F authFailure;
  private long authRetryAtNanos;
  private long refreshes;

  /**
   * @param fetch performs one paced, classified token request
   * @param refusal the failure as {@code F} when it means the credentials are refused, else null
   */
  public CachedToken(Vertx vertx, Ticker ticker, Supplier<Future<Issued>> fetch, Function<Throwable, F> refusal,
      Duration refreshMargin, Duration authRetryInterval) {
    this(vertx, ticker, fetch, refusal, refreshMargin, constant(Objects.requireNonNull(authRetryInterval, "authRetryInterval")));
  }

  /** As above, the hold after a refusal read from {@code authRetryInterval} each time. */
  public CachedToken(Vertx vertx, Ticker ticker, Supplier<Future<Issued>> fetch, Function<Throwable, F> refusal,
      Duration refreshMargin, Supplier<Duration> authRetryInterval) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.fetch = Objects.requireNonNull(fetch, "fetch");
    this.refusal = Objects.requireNonNull(refusal, "refusal");
    this.refreshMargin = Objects.requireNonNull(refreshMargin, "refreshMargin");
    this.authRetryInterval = Objects.requireNonNull(authRetryInterval, "authRetryInterval");
  }

  /** A token valid for a while yet: the cached one, or a fresh one. */
  @Override
  public Future<String> current() {
    synchronized (this) {
      long now = ticker.nanos();
      if (token != null && now - refreshAtNanos < 0) {
        return Future.succeededFuture(token);
      }
      return refreshLocked(now);
    }
  }

  @Override
  public synchronized String cachedValid() {
    return token != null && ticker.nanos() - refreshAtNanos < 0 ? token : null;
  }

  /** A token other than {@code rejected}, which the remote has just refused. */
  @Override
  public Future<String> refreshAfterRejection(String rejected) {
    synchronized (this) {
      long now = ticker.nanos();
      if (token != null && !token.equals(rejected) && now - refreshAtNanos < 0) {
        return Future.succeededFuture(token);
      }
      if (rejected != null && rejected.equals(token)) {
        token = null;
      }
      return refreshLocked(now);
    }
  }

  /**
   * A token request now, even while a refusal is held (the licence's probe of a refused key); joins
   * a request already under way.
   */
  public Future<String> probe() {
    synchronized (this) {
      long now = ticker.nanos();
      authRetryAtNanos = now;
      return refreshLocked(now);
    }
  }

  /** Why the credentials were refused, while that stands; null otherwise. */
  public synchronized F authFailure() {
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

  private void settle(Promise<String> promise, Issued issued, Throwable failure) {
    synchronized (this) {
      pending = null;
      if (issued != null) {
        // a lifetime at or below zero makes the token stale at once
        long lifetime = Math.max(0, issued.lifetime().toNanos());
        long margin = Math.min(refreshMargin.toNanos(), lifetime / 2);
        token = issued.accessToken();
        refreshAtNanos = ticker.nanos() + lifetime - margin;
        authFailure = null;
        refreshes++;
      } else {
        F refused = refusal.apply(failure);
        if (refused != null) {
          authFailure = refused;
          authRetryAtNanos = ticker.nanos() + authRetryInterval.get().toNanos();
          token = null;
        }
      }
    }
    if (issued != null) {
      promise.complete(issued.accessToken());
    } else {
      promise.fail(failure);
    }
  }

  private static Supplier<Duration> constant(Duration interval) {
    return () -> interval;
  }

  private static <T> Future<T> onContext(Context context, Future<T> shared) {
    if (shared.isComplete()) {
      return shared;
    }
    Promise<T> promise = Promise.promise();
    shared.onComplete(ar -> context.runOnContext(v -> promise.handle(ar)));
    return promise.future();
  }
}
