package io.consentgateway.support;

import io.consentgateway.remote.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock a test moves by hand: time-dependent rules are checked without sleeping. It is a {@link
 * Ticker} too, so that the spans the gateway measures in nanos (token lifetimes, pacing windows,
 * breaker waits) move with it: {@link Ticker#of} gives it back to whatever it is wired into.
 * Thread-safe.
 */
public final class TestClock extends Clock implements Ticker {

  private volatile Instant now;

  public TestClock(Instant start) {
    this.now = start;
  }

  /** Starts at a fixed, arbitrary instant: for tests that only care how far time moves. */
  public TestClock() {
    this(Instant.parse("2025-01-01T00:00:00Z"));
  }

  public synchronized TestClock advance(Duration by) {
    if (by.isNegative()) {
      throw new IllegalArgumentException("a ticker never goes back: " + by);
    }
    now = now.plus(by);
    return this;
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public long nanos() {
    Instant at = now;
    return at.getEpochSecond() * 1_000_000_000L + at.getNano();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
