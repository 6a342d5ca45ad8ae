package io.consentgateway.remote;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Admission to one Actito licence: at most {@code maxConcurrency} permits out at once and at most
 * {@code callsPerWindow} permits granted in any sliding {@code window} (a log of the last grants, so
 * the bound holds for every window, not only aligned ones). One gate per licence, shared by every
 * verticle instance: it is thread-safe, never blocks, and completes a waiting caller's future on
 * the Vert.x context that asked.
 *
 * <p>Callers that cannot start at once wait in a FIFO queue bounded by {@code maxQueued}; beyond it
 * {@link #acquire()} fails at once with {@link GateFullException}, a retryable condition. Token
 * requests use {@link #acquireUrgent()}: they jump the queue and ignore its bound, since every
 * queued call needs the token and at most one token request is ever pending.
 *
 * <p>A 429 pauses the whole licence: while {@link #pause paused} no permit is granted, callers
 * fail at once with {@link PausedException} (retryable: nothing was sent), and so do the callers
 * that were waiting; {@link #failWaiting} does the same to the waiting callers alone, when the
 * licence is blocked for another reason.
 *
 * <p>Each {@link Permit} must be released exactly once when its call ends (extra releases are
 * ignored).
 *
 * <p>The window and pauses are measured with a {@link Ticker} (monotonic); the {@link Clock} only
 * dates the grants for the journal. A waiting caller is handed its permit by a Vert.x timer set for
 * the moment the ticker says the window frees up, or at the next release.
 */
public final class PacingGate {

  /** Permission to run one call. */
  public interface Permit {
    /** The call ended. */
    void release();

    /**
     * The call was never sent (the breaker refused it): the permit ends and gives its place in the
     * window back, so that a call that never left spends none of the licence's budget.
     */
    void releaseUnused();
  }

  /** The waiting queue is full: fail fast, retry later. */
  public static final class GateFullException extends RuntimeException {
    GateFullException(int maxQueued) {
      super("more than " + maxQueued + " Actito calls waiting", null, false, false);
    }
  }

  /** The licence holds its calls back (paused after a 429, or blocked): nothing was sent; retry later. */
  public static final class PausedException extends RuntimeException {
    PausedException(String why) {
      super(why, null, false, false);
    }
  }

  private record Waiter(Context context, Promise<Permit> promise) {}

  private record Grant(Waiter waiter, Permit permit) {}

  private final Vertx vertx;
  private final Clock clock;
  private final Ticker ticker;
  private final int maxConcurrency;
  private final int callsPerWindow;
  private final long windowNanos;
  private final int maxQueued;

  private final Object lock = new Object();
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  // the grant times (ticker nanos) within the last window, oldest first: at most callsPerWindow
  private final ArrayDeque<Long> grants = new ArrayDeque<>();
  // grant times (epoch millis) not yet durable in the journal, oldest first; the first
  // `journaling` of them are being written now (see takeJournal / journalWritten)
  private final ArrayDeque<Long> unjournaled = new ArrayDeque<>();
  private int journaling;
  // with a journal: at most this many grants ahead of it, and who to ask for a write when full
  private int journalAhead = Integer.MAX_VALUE;
  private Runnable journalFull = () -> {};
  private int inFlight;
  private int maxInFlightObserved;
  private long granted;
  private boolean timerArmed;
  private long pausedUntilNanos;
  private String pauseReason;

  /**
   * @param clock dates the grants for the journal (epoch millis)
   * @param ticker measures the window and pauses
   */
  public PacingGate(Vertx vertx, Clock clock, Ticker ticker, int maxConcurrency, int callsPerWindow, Duration window,
      int maxQueued) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    if (maxConcurrency < 1 || callsPerWindow < 1 || maxQueued < 0 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("maxConcurrency, callsPerWindow and window must be positive");
    }
    this.maxConcurrency = maxConcurrency;
    this.callsPerWindow = callsPerWindow;
    this.windowNanos = window.toNanos();
    this.maxQueued = maxQueued;
  }

  /**
   * Keeps the gate at most {@code ahead} grants ahead of a durable journal of them: when as many
   * grants are not yet journaled, the next waits, and {@code full} is asked to write them ({@link
   * #takeJournal}, then {@link #journalWritten}). A restart then knows every call of the window
   * but those {@code ahead} last ones, which it counts as just made ({@link #prefill}).
   */
  public void journalAhead(int ahead, Runnable full) {
    synchronized (lock) {
      this.journalAhead = ahead;
      this.journalFull = Objects.requireNonNull(full, "full");
    }
  }

  /**
   * Counts calls a previous run of the gateway started at these times (epoch millis), so that a
   * restart does not give the licence a fresh window: the calls still within the window hold their
   * place until it passes; and, when the previous run called within the window, {@code unknown}
   * more calls it may have started without journaling them, as if made now. Call before the first
   * acquire.
   */
  public void prefill(List<Long> startedAtMillis, int unknown) {
    prefill(startedAtMillis);
    if (startedAtMillis.isEmpty()) {
      return;
    }
    long nowNanos = ticker.nanos();
    synchronized (lock) {
      for (int i = 0; i < unknown; i++) {
        grants.addLast(nowNanos);
      }
      while (grants.size() > callsPerWindow) {
        grants.pollFirst();
      }
    }
  }

  /** As {@link #prefill(List, int)} with no unknown calls. */
  public void prefill(List<Long> startedAtMillis) {
    long nowNanos = ticker.nanos();
    long nowMillis = clock.millis();
    synchronized (lock) {
      startedAtMillis.stream().sorted().forEach(at -> {
        long ago = nowMillis - at;
        if (ago >= 0 && ago * 1_000_000 < windowNanos) {
          grants.addLast(nowNanos - ago * 1_000_000);
        }
      });
      while (grants.size() > callsPerWindow) {
        grants.pollFirst();
      }
    }
  }

  /**
   * The start times (epoch millis) of the calls granted and not yet handed to the journal, for a
   * journal that outlives the process ({@link #prefill} reads it back at the next start); once
   * they are durable, say so with {@link #journalWritten}.
   */
  public List<Long> takeJournal() {
    synchronized (lock) {
      List<Long> out = new ArrayList<>(unjournaled).subList(journaling, unjournaled.size());
      journaling = unjournaled.size();
      return List.copyOf(out);
    }
  }

  /** The first {@code count} start times taken by {@link #takeJournal} are durable now. */
  public void journalWritten(int count) {
    List<Grant> ready;
    synchronized (lock) {
      for (int i = 0; i < count && !unjournaled.isEmpty(); i++) {
        unjournaled.pollFirst();
      }
      journaling = Math.max(0, journaling - count);
      ready = drainLocked(ticker.nanos());
    }
    hand(ready);
  }

  /** A write of {@link #takeJournal}'s times failed: they are to be taken again. */
  public void journalFailed() {
    synchronized (lock) {
      journaling = 0;
    }
  }

  /** A permit, at once when both limits allow and nobody waits, else after the callers ahead. */
  public Future<Permit> acquire() {
    return acquire(false);
  }

  /** Like {@link #acquire()}, but first in line and exempt from the queue bound. */
  public Future<Permit> acquireUrgent() {
    return acquire(true);
  }

  public int maxConcurrency() {
    return maxConcurrency;
  }

  public int inFlight() {
    synchronized (lock) {
      return inFlight;
    }
  }

  public int queued() {
    synchronized (lock) {
      return waiting.size();
    }
  }

  public int maxInFlightObserved() {
    synchronized (lock) {
      return maxInFlightObserved;
    }
  }

  /** Permits granted since creation. */
  public long granted() {
    synchronized (lock) {
      return granted;
    }
  }

  /**
   * Grants nothing for {@code duration} (or until a longer pause already set ends): the callers
   * waiting now fail with {@link PausedException} carrying {@code why}, and so does every {@link
   * #acquire} until then.
   */
  public void pause(Duration duration, String why) {
    synchronized (lock) {
      long until = ticker.nanos() + duration.toNanos();
      if (pauseReason == null || until - pausedUntilNanos > 0) {
        pausedUntilNanos = until;
      }
      pauseReason = why;
    }
    failWaiting(why);
  }

  /** Whether a pause holds now. */
  public boolean paused() {
    synchronized (lock) {
      return pausedLocked(ticker.nanos());
    }
  }

  /** Fails every caller waiting now with {@link PausedException}: the licence cannot take their calls. */
  public void failWaiting(String why) {
    List<Waiter> failed;
    synchronized (lock) {
      failed = new ArrayList<>(waiting);
      waiting.clear();
    }
    PausedException paused = new PausedException(why);
    for (Waiter waiter : failed) {
      waiter.context().runOnContext(v -> waiter.promise().fail(paused));
    }
  }

  private boolean pausedLocked(long now) {
    if (pauseReason != null && now - pausedUntilNanos >= 0) {
      pauseReason = null;
    }
    return pauseReason != null;
  }

  private Future<Permit> acquire(boolean urgent) {
    Context context = vertx.getOrCreateContext();
    Waiter waiter;
    List<Grant> ready;
    synchronized (lock) {
      long now = ticker.nanos();
      if (pausedLocked(now)) {
        return Future.failedFuture(new PausedException(pauseReason));
      }
      if (waiting.isEmpty() && inFlight < maxConcurrency && rateAllows(now) && journalAllows()) {
        return Future.succeededFuture(grantLocked(now));
      }
      if (!urgent && waiting.size() >= maxQueued) {
        return Future.failedFuture(new GateFullException(maxQueued));
      }
      waiter = new Waiter(context, Promise.promise());
      if (urgent) {
        waiting.addFirst(waiter);
      } else {
        waiting.addLast(waiter);
      }
      ready = drainLocked(now);
    }
    hand(ready);
    return waiter.promise().future();
  }

  private void release() {
    List<Grant> ready;
    synchronized (lock) {
      inFlight--;
      ready = drainLocked(ticker.nanos());
    }
    hand(ready);
  }

  private void onTimer() {
    List<Grant> ready;
    synchronized (lock) {
      timerArmed = false;
      ready = drainLocked(ticker.nanos());
    }
    hand(ready);
  }

  private boolean rateAllows(long now) {
    while (!grants.isEmpty() && now - grants.peekFirst() >= windowNanos) {
      grants.pollFirst();
    }
    return grants.size() < callsPerWindow;
  }

  // the journal is as far behind as allowed: ask for a write, grant nothing until it is done
  private boolean journalAllows() {
    if (unjournaled.size() < journalAhead) {
      return true;
    }
    Runnable full = journalFull;
    vertx.runOnContext(v -> full.run()); // outside the lock and the caller
    return false;
  }

  private Permit grantLocked(long now) {
    grants.addLast(now);
    long startedAtMillis = clock.millis();
    unjournaled.addLast(startedAtMillis);
    inFlight++;
    granted++;
    maxInFlightObserved = Math.max(maxInFlightObserved, inFlight);
    AtomicBoolean released = new AtomicBoolean();
    return new Permit() {
      @Override
      public void release() {
        if (released.compareAndSet(false, true)) {
          PacingGate.this.release();
        }
      }

      @Override
      public void releaseUnused() {
        if (released.compareAndSet(false, true)) {
          synchronized (lock) {
            grants.removeLastOccurrence(now); // its journal entry stays: counting a call too many is safe
            granted--;
          }
          PacingGate.this.release();
        }
      }
    };
  }

  // hands out what the limits allow now; when only the rate blocks, arms one timer for the moment
  // the oldest grant leaves the window
  private List<Grant> drainLocked(long now) {
    List<Grant> ready = null;
    while (!waiting.isEmpty() && inFlight < maxConcurrency && !pausedLocked(now)) {
      if (!rateAllows(now)) {
        if (!timerArmed) {
          timerArmed = true;
          long waitNanos = grants.peekFirst() + windowNanos - now;
          vertx.setTimer(Math.max(1, (waitNanos + 999_999) / 1_000_000), id -> onTimer());
        }
        break;
      }
      if (!journalAllows()) {
        break; // journalWritten drains again
      }
      Waiter waiter = waiting.pollFirst();
      if (ready == null) {
        ready = new ArrayList<>();
      }
      ready.add(new Grant(waiter, grantLocked(now)));
    }
    return ready == null ? List.of() : ready;
  }

  private void hand(List<Grant> ready) {
    for (Grant grant : ready) {
      // the permit is already counted; complete on the caller's own context
      grant.waiter().context().runOnContext(v -> grant.waiter().promise().complete(grant.permit()));
    }
  }
}
