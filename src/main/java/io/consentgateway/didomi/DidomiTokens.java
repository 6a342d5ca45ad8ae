package io.consentgateway.didomi;

import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.BearerToken;
import io.consentgateway.remote.CachedToken;
import io.consentgateway.remote.Ticker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Supplier;

/**
 * The Didomi access token of one licence: a {@link CachedToken} (refreshed ahead of expiry, one
 * fetch at a time however many callers wait, replaced once after a 401) fed by {@code POST
 * /v1/sessions}. A refused key or secret is remembered: callers fail fast with it, without spending
 * calls, until {@code authRetryInterval} has passed. What is Didomi's own here is reading the
 * lifetime from the JWT ({@link #lifetime}). Expiry is measured with the {@link Ticker} given. Thread-safe; futures complete on the caller's context.
 */
final class DidomiTokens implements BearerToken {

  private final CachedToken<RemoteCallException> token;

  /** {@code fetch} performs one paced, classified {@code POST /v1/sessions}. */
  DidomiTokens(Vertx vertx, Ticker ticker, Supplier<Future<CachedToken.Issued>> fetch, Duration refreshMargin,
      Supplier<Duration> authRetryInterval) {
    this.token = new CachedToken<>(vertx, ticker, fetch,
        failure -> failure instanceof RemoteCallException e && e.authFailed() ? e : null,
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

  /** A token other than {@code rejected}, which Didomi has just refused. */
  @Override
  public Future<String> refreshAfterRejection(String rejected) {
    return token.refreshAfterRejection(rejected);
  }

  /** A session request now, even while a refusal is held: the licence's probe. */
  Future<String> probe() {
    return token.probe();
  }

  RemoteCallException authFailure() {
    return token.authFailure();
  }

  long refreshes() {
    return token.refreshes();
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
