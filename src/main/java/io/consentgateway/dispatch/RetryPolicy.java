package io.consentgateway.dispatch;

import io.consentgateway.actito.Backoff;
import io.consentgateway.config.IntegrationConfig.DispatchConfig;
import java.time.Duration;

/**
 * When to try again, and when to give up, for both directions of one integration: exponential
 * backoff with full jitter (or the remote's {@code Retry-After}), a dead letter after {@code
 * maxAttempts} attempts or {@code maxAgeSeconds} of trying. A failure that made no call (breaker
 * open, refused credentials) never counts toward giving up.
 */
final class RetryPolicy {

  /** Either a time to try again or the number of the attempt that gave up. */
  record Decision(boolean giveUp, int attempt, long nextAttemptMillis) {}

  private final DispatchConfig config;
  private final Backoff backoff;
  private final Duration callTimeout;

  RetryPolicy(DispatchConfig config, Duration callTimeout) {
    this.config = config;
    this.backoff = new Backoff(Duration.ofMillis(config.initialBackoffMs()), Duration.ofMillis(config.maxBackoffMs()));
    this.callTimeout = callTimeout;
  }

  /**
   * @param attempts attempts already counted before this one
   * @param firstMillis when the work became due the first time (its age decides too)
   * @param counts whether this failure counts as an attempt
   * @param retryAfter the remote's hint, or null
   * @param mayHaveArrived the request may still be applied by the remote (timeout, connection cut):
   *     wait at least one call timeout, so an older request never lands after a newer one
   */
  Decision decide(int attempts, long firstMillis, boolean counts, Duration retryAfter, boolean mayHaveArrived) {
    long now = System.currentTimeMillis();
    int attempt = attempts + 1;
    if (counts && (attempt >= config.maxAttempts() || now - firstMillis > config.maxAgeSeconds() * 1000)) {
      return new Decision(true, attempt, 0);
    }
    Duration delay = backoff.delay(attempt, retryAfter);
    if (mayHaveArrived && delay.compareTo(callTimeout) < 0) {
      delay = callTimeout;
    }
    if (delay.toMillis() < 100) {
      delay = Duration.ofMillis(100);
    }
    return new Decision(false, attempt, now + delay.toMillis());
  }
}
