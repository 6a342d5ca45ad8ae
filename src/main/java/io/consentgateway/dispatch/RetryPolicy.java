package io.consentgateway.dispatch;

import io.consentgateway.remote.Backoff;
import io.consentgateway.config.IntegrationConfig.DispatchConfig;
import io.consentgateway.remote.BlockedTime;
import java.time.Clock;
import java.time.Duration;

/**
 * When to try again, and when to give up, for both directions of one integration: exponential
 * backoff with full jitter (or the remote's {@code Retry-After}, at most {@code maxBackoffMs}), a
 * dead letter after {@code maxAttempts} attempts or {@code maxAgeSeconds} of trying. A failure that
 * made no call (breaker open, refused credentials) never counts toward giving up, and the age
 * counts only time in which calls could be made: not the time {@code blocked} records (the
 * licences blocked, the gateway down).
 */
final class RetryPolicy {

  /** Either a time to try again or the number of the attempt that gave up. */
  record Decision(boolean giveUp, int attempt, long nextAttemptMillis) {}

  private final DispatchConfig config;
  private final Backoff backoff;
  private final Duration callTimeout;
  private final BlockedTime blocked;
  private final Clock clock;

  RetryPolicy(DispatchConfig config, Duration callTimeout) {
    this(config, callTimeout, BlockedTime.none(), Clock.systemUTC());
  }

  RetryPolicy(DispatchConfig config, Duration callTimeout, BlockedTime blocked, Clock clock) {
    this.config = config;
    this.backoff = new Backoff(Duration.ofMillis(config.initialBackoffMs()), Duration.ofMillis(config.maxBackoffMs()));
    this.callTimeout = callTimeout;
    this.blocked = blocked;
    this.clock = clock;
  }

  /** How long {@code firstMillis} has been waiting counting only time in which calls could be made. */
  long callableMillis(long firstMillis, long nowMillis) {
    return Math.max(0, nowMillis - firstMillis - blocked.blockedMillis(firstMillis, nowMillis));
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
    long now = clock.millis();
    int attempt = attempts + 1;
    if (counts && (attempt >= config.maxAttempts() || callableMillis(firstMillis, now) > config.maxAgeSeconds() * 1000)) {
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
