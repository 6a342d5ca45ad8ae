package io.consentgateway.actito;

import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.BearerToken;
import io.consentgateway.remote.CachedToken;
import io.consentgateway.remote.Ticker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The access token of one Actito licence: a {@link CachedToken} (refreshed ahead of expiry, one
 * fetch at a time however many callers wait, replaced once after a 401) fed by {@code GET
 * /auth/token}. A refused API key ({@link RemoteCallException.Kind#AUTH_FAILED}) is remembered:
 * callers fail fast with it, without spending calls, until {@code authRetryInterval} has passed or
 * {@link #probe()} asks again.
 * What is Actito's own here is what {@code expiresIn} looks like ({@link #parseExpiresIn}).
 * Expiry is measured with the {@link Ticker} given. Thread-safe; futures complete on the caller's
 * context.
 */
public final class ActitoTokens implements BearerToken {

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

  private final CachedToken<RemoteCallException> token;

  /** {@code fetch} performs one paced, classified {@code GET /auth/token}. */
  public ActitoTokens(Vertx vertx, Ticker ticker, Supplier<Future<IssuedToken>> fetch, Duration refreshMargin,
      Duration authRetryInterval) {
    this(vertx, ticker, fetch, refreshMargin, () -> authRetryInterval);
  }

  /** As above, the hold after a refusal read from {@code authRetryInterval} at each refusal. */
  public ActitoTokens(Vertx vertx, Ticker ticker, Supplier<Future<IssuedToken>> fetch, Duration refreshMargin,
      Supplier<Duration> authRetryInterval) {
    Objects.requireNonNull(fetch, "fetch");
    this.token = new CachedToken<>(vertx, ticker,
        () -> fetch.get().map(issued -> new CachedToken.Issued(issued.accessToken(), issued.expiresIn())),
        failure -> failure instanceof RemoteCallException e && e.kind() == RemoteCallException.Kind.AUTH_FAILED ? e : null,
        refreshMargin, authRetryInterval);
  }

  /** A token valid for a while yet: the cached one, or a fresh one. */
  @Override
  public Future<String> current() {
    return token.current();
  }

  @Override
  public String cachedValid() {
    return token.cachedValid();
  }

  /** A token other than {@code rejected}, which Actito has just refused. */
  @Override
  public Future<String> refreshAfterRejection(String rejected) {
    return token.refreshAfterRejection(rejected);
  }

  /** A token request now, even while a refusal is held: the probe of a refused key. */
  public Future<String> probe() {
    return token.probe();
  }

  /** The reason the API key was refused, while that stands; null otherwise. */
  public RemoteCallException authFailure() {
    return token.authFailure();
  }

  /** Successful token fetches so far. */
  public long refreshes() {
    return token.refreshes();
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
