package io.consentgateway.remote;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * Whether the calls of one licence can be made now, and if not, why, since when and until when:
 * the rules behind "outages cost nothing" (guarantee 12), with time read from a {@link Clock} so
 * that tests drive it. Three causes block a licence, each cleared by its own event:
 *
 * <ul>
 *   <li>an open circuit breaker, until it closes after a successful probe;
 *   <li>a refused API key, until a token is issued again; the key is probed after {@code
 *       keyProbeFirst}, then twice as long after each refusal, at most {@code keyProbeMax}, and
 *       back to {@code keyProbeFirst} once it works;
 *   <li>a pause after a 429, for the {@code Retry-After} the remote sent (at most {@code
 *       pauseMax}) or, without one, {@code pauseFirst}, doubled for each 429 in a row (at most
 *       {@code pauseMax}); any other answer ends the run.
 * </ul>
 *
 * A block lasts from the first cause to the last one cleared; while several hold, the state shown
 * is the one that takes longest to clear (key, then breaker, then pause). Thread-safe.
 */
public final class LicenceStatus {

  /** What a licence is doing, as the status endpoint spells it. */
  public enum State {
    AVAILABLE,
    BREAKER_OPEN,
    KEY_REFUSED,
    RATE_LIMITED;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The licence as an operator sees it: its state, since when calls are held back, when a probe
   * (or the end of the pause) may release them, and the last error seen (kept once available).
   */
  public record Snapshot(State state, Instant since, Instant nextProbe, String lastError) {
    public boolean blocked() {
      return state != State.AVAILABLE;
    }
  }

  /** What an event did to the block: started it, ended it, or neither. */
  public enum Change {
    STARTED,
    ENDED,
    NONE
  }

  /** An event's effect on the block, and how long until the next probe or the end of the pause ({@code delay}). */
  public record Transition(Change change, Duration delay) {}

  private final Clock clock;
  private final Duration keyProbeFirst;
  private final Duration keyProbeMax;
  private final Duration pauseFirst;
  private final Duration pauseMax;

  private boolean breakerOpen;
  private Instant breakerProbeAt;
  private boolean keyRefused;
  private Duration keyProbeInterval;
  private Instant keyProbeAt;
  private Instant pausedUntil;
  private int rateLimitedInARow;
  private Instant blockedSince;
  private String lastError;

  public LicenceStatus(Clock clock, Duration keyProbeFirst, Duration keyProbeMax, Duration pauseFirst, Duration pauseMax) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.keyProbeMax = positive(keyProbeMax, "keyProbeMax");
    this.keyProbeFirst = min(positive(keyProbeFirst, "keyProbeFirst"), keyProbeMax);
    this.pauseMax = positive(pauseMax, "pauseMax");
    this.pauseFirst = min(positive(pauseFirst, "pauseFirst"), pauseMax);
  }

  /** The breaker opened (or re-opened after a failed probe); it half-opens after {@code resetTimeout}. */
  public synchronized Change breakerOpened(Duration resetTimeout, String error) {
    boolean was = blockedLocked();
    breakerOpen = true;
    breakerProbeAt = clock.instant().plus(resetTimeout);
    remember(error);
    return changeFrom(was);
  }

  /** A probe that could not be sent is sent again after {@code wait}. */
  public synchronized void breakerProbeIn(Duration wait) {
    if (breakerOpen) {
      breakerProbeAt = clock.instant().plus(wait);
    }
  }

  /** The breaker closed: a probe got an answer. */
  public synchronized Change breakerClosed() {
    boolean was = blockedLocked();
    breakerOpen = false;
    breakerProbeAt = null;
    return changeFrom(was);
  }

  /** The key was refused (again): the wait before the next probe, grown from the last. */
  public synchronized Transition keyRefused(String error) {
    boolean was = blockedLocked();
    keyProbeInterval = keyRefused ? min(keyProbeInterval.multipliedBy(2), keyProbeMax) : keyProbeFirst;
    keyRefused = true;
    keyProbeAt = clock.instant().plus(keyProbeInterval);
    remember(error);
    return new Transition(changeFrom(was), keyProbeInterval);
  }

  /** A token was issued: the key works. */
  public synchronized Change keyAccepted() {
    boolean was = blockedLocked();
    keyRefused = false;
    keyProbeInterval = null;
    keyProbeAt = null;
    return changeFrom(was);
  }

  /** How long callers should take the refusal as standing: until the next probe. */
  public synchronized Duration keyRefusalHold() {
    return keyRefused ? keyProbeInterval : keyProbeFirst;
  }

  /**
   * A 429: pause the licence for {@code retryAfter} (null when the remote sent none), at most
   * {@code pauseMax}; the transition's delay is the pause, zero when there is none.
   */
  public synchronized Transition rateLimited(Duration retryAfter, String error) {
    boolean was = blockedLocked();
    rateLimitedInARow++;
    remember(error);
    Duration pause = retryAfter != null
        ? min(retryAfter.isNegative() ? Duration.ZERO : retryAfter, pauseMax)
        : min(pauseFirst.multipliedBy(1L << Math.min(rateLimitedInARow - 1, 30)), pauseMax);
    if (pause.isZero()) {
      return new Transition(Change.NONE, Duration.ZERO);
    }
    Instant until = clock.instant().plus(pause);
    if (pausedUntil == null || until.isAfter(pausedUntil)) {
      pausedUntil = until;
    }
    return new Transition(changeFrom(was), Duration.between(clock.instant(), pausedUntil));
  }

  /** The pause is over if its time has come (a later 429 may have extended it). */
  public synchronized Change pauseEnded() {
    boolean was = blockedLocked();
    if (pausedUntil != null && !clock.instant().isBefore(pausedUntil)) {
      pausedUntil = null;
    }
    return changeFrom(was);
  }

  /** What is left of the pause; zero when there is none. */
  public synchronized Duration pauseLeft() {
    if (pausedUntil == null) {
      return Duration.ZERO;
    }
    Duration left = Duration.between(clock.instant(), pausedUntil);
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** An answer other than 429: the next 429 starts a new run. */
  public synchronized void answered() {
    rateLimitedInARow = 0;
  }

  public synchronized boolean blocked() {
    return blockedLocked();
  }

  public synchronized boolean keyRefused() {
    return keyRefused;
  }

  /** When the current block began, in epoch milliseconds; -1 when available. */
  public synchronized long blockedSinceMillis() {
    return blockedSince == null ? -1 : blockedSince.toEpochMilli();
  }

  public synchronized Snapshot snapshot() {
    if (keyRefused) {
      return new Snapshot(State.KEY_REFUSED, blockedSince, keyProbeAt, lastError);
    }
    if (breakerOpen) {
      return new Snapshot(State.BREAKER_OPEN, blockedSince, breakerProbeAt, lastError);
    }
    if (pausedUntil != null) {
      return new Snapshot(State.RATE_LIMITED, blockedSince, pausedUntil, lastError);
    }
    return new Snapshot(State.AVAILABLE, null, null, lastError);
  }

  private boolean blockedLocked() {
    return breakerOpen || keyRefused || pausedUntil != null;
  }

  private Change changeFrom(boolean wasBlocked) {
    boolean now = blockedLocked();
    if (!wasBlocked && now) {
      blockedSince = clock.instant();
      return Change.STARTED;
    }
    if (wasBlocked && !now) {
      blockedSince = null;
      return Change.ENDED;
    }
    return Change.NONE;
  }

  private void remember(String error) {
    if (error != null) {
      lastError = error;
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + d);
    }
    return d;
  }
}
