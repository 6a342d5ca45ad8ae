package io.consentgateway.remote;

import java.time.Clock;
import java.util.Objects;

/**
 * A monotonic time source in nanoseconds, as {@link System#nanoTime()} reads it: for measuring
 * spans (token lifetimes, pacing windows, breaker waits), never for telling the date, which a
 * {@link Clock} does. Only differences between two readings mean anything.
 */
@FunctionalInterface
public interface Ticker {

  /** Nanoseconds since an arbitrary origin, never going back. */
  long nanos();

  /** {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }

  /**
   * The ticker that goes with {@code clock}: the clock itself when it is also a ticker (a clock a
   * test moves by hand, so that one object drives both), else {@link #system()} — a wall clock can
   * step back or forward, and spans must not.
   */
  static Ticker of(Clock clock) {
    Objects.requireNonNull(clock, "clock");
    return clock instanceof Ticker ticker ? ticker : system();
  }
}
