package io.consentgateway.remote;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * How long to wait before retry {@code n}: exponential backoff with full jitter — a uniformly random
 * delay in {@code [0, min(cap, base × 2^(n-1))]}, so clients that failed together do not retry
 * together — unless Actito said how long with {@code Retry-After}, which wins up to {@code cap}
 * (never retry earlier than the server asked, nor park a change longer than the configured
 * maximum for a huge value). Stateless and thread-safe; the dispatcher owns attempt counting.
 */
public final class Backoff {

  private final long baseMillis;
  private final long capMillis;
  private final DoubleSupplier random;

  public Backoff(Duration base, Duration cap) {
    this(base, cap, () -> ThreadLocalRandom.current().nextDouble());
  }

  /** {@code random} yields values in [0, 1); tests pass a fixed one. */
  public Backoff(Duration base, Duration cap, DoubleSupplier random) {
    this.baseMillis = Objects.requireNonNull(base, "base").toMillis();
    this.capMillis = Objects.requireNonNull(cap, "cap").toMillis();
    this.random = Objects.requireNonNull(random, "random");
    if (baseMillis <= 0 || capMillis < baseMillis) {
      throw new IllegalArgumentException("need 0 < base <= cap, got " + base + " and " + cap);
    }
  }

  /** The upper bound of the jittered delay of attempt {@code attempt} (1 = first retry). */
  public Duration ceiling(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt starts at 1, was " + attempt);
    }
    int shift = Math.min(attempt - 1, 62);
    long exponential = baseMillis > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : baseMillis << shift;
    return Duration.ofMillis(Math.min(capMillis, exponential));
  }

  /** A full-jitter delay for attempt {@code attempt} (1 = first retry). */
  public Duration delay(int attempt) {
    long ceiling = ceiling(attempt).toMillis();
    return Duration.ofMillis((long) (random.getAsDouble() * (ceiling + 1)));
  }

  /** {@code retryAfter} when Actito sent one (never negative, at most the cap), else {@link #delay(int)}. */
  public Duration delay(int attempt, Duration retryAfter) {
    if (retryAfter != null) {
      return retryAfter.isNegative() ? Duration.ZERO
          : retryAfter.toMillis() > capMillis ? Duration.ofMillis(capMillis) : retryAfter;
    }
    return delay(attempt);
  }

  /**
   * Parses a {@code Retry-After} header: delta-seconds ({@code "120"}) or an HTTP date. Empty when
   * absent or unreadable, so a garbled header falls back to the computed backoff.
   */
  public static Optional<Duration> parseRetryAfter(String header, Clock clock) {
    if (header == null || header.isBlank()) {
      return Optional.empty();
    }
    String value = header.trim();
    try {
      long seconds = Long.parseLong(value);
      return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration wait = Duration.between(clock.instant(), at);
        return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
      } catch (DateTimeParseException notDate) {
        return Optional.empty();
      }
    }
  }
}
