package io.consentgateway.remote;

import io.consentgateway.config.Secret;
import io.consentgateway.remote.LicenceStatus.Change;
import io.consentgateway.remote.LicenceStatus.Snapshot;
import io.consentgateway.remote.LicenceStatus.Transition;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * One licence of a remote — an API key on a host — shared by every integration on it: the {@link
 * RemoteCallGuard} all their calls pass (one gate, one breaker), whether calls can be made now
 * ({@link LicenceStatus}), and the probes that find out when they can again.
 *
 * <p>While the licence is {@link #blocked()} the lanes on it claim nothing; when a block starts the
 * calls waiting at the gate are released (they fail as {@link RemoteCallGuard.Trouble#PAUSED}).
 * Nothing but probes goes out: when the breaker half-opens, one call — the key probe while the key
 * is refused, else the {@code breakerProbe} (a cheap read); while the key is refused and the breaker
 * closed, the {@code keyProbe} (a token request) at the growing interval of {@link LicenceStatus}.
 * A 429 pauses the gate for the delay {@link LicenceStatus#rateLimited} gives. When the block ends,
 * the {@link #onAvailable} listeners run (the scheduler wakes the lanes). Blocks are added to {@link
 * #blockedTime()}, which the give-up age leaves out, and written to the {@link BlockJournal}, so
 * they survive a restart. Thread-safe.
 *
 * @param <O> the remote's operations
 */
public final class Licence<O extends RemoteOperation> {

  /** What names a licence: the remote, its host and the API key's {@link Secret#fingerprint()}. */
  public record Id(String remote, String baseUrl, String keyFingerprint) {
    public Id {
      Objects.requireNonNull(remote, "remote");
      Objects.requireNonNull(baseUrl, "baseUrl");
      Objects.requireNonNull(keyFingerprint, "keyFingerprint");
    }

    public static Id of(String remote, String baseUrl, Secret apiKey) {
      return new Id(remote, baseUrl, apiKey.fingerprint());
    }

    /** How the store names the licence's blocked spans: stable across restarts, never the key. */
    public String scope() {
      return remote + " " + baseUrl + " " + keyFingerprint;
    }

    @Override
    public String toString() {
      return remote + " licence " + baseUrl + " (key " + keyFingerprint + ")";
    }
  }

  /** Where a licence writes down its blocks, so that the give-up age outlives the process. */
  public interface BlockJournal {
    /** A block began; answers its id. */
    Future<Long> blockStarted(String scope, String reason, long atMillis);

    Future<Void> blockEnded(long id, long atMillis);
  }

  private final Vertx vertx;
  private final Id id;
  private final List<String> integrations;
  private final int callsPerMinute;
  private final Clock clock;
  private final Logger log;
  private final LicenceStatus status;
  private final RemoteCallGuard<O> guard;
  private final RemoteCallMetrics metrics;
  private final BlockedTime blockedTime = new BlockedTime();
  private final List<Runnable> onAvailable = new CopyOnWriteArrayList<>();
  private final AtomicLong keyRefusals = new AtomicLong();
  private volatile Supplier<Future<?>> breakerProbe = Future::succeededFuture;
  private volatile Supplier<Future<?>> keyProbe = Future::succeededFuture;
  private volatile BlockJournal journal;
  private volatile Future<Long> openSpan;
  private volatile boolean closed;
  private long keyProbeTimer = -1;

  /**
   * @param integrations the ids of the integrations on the licence, in configuration order
   * @param callsPerMinute the licence's pace, as the status shows it
   * @param context the integrations in words, for the logs and the failures of the licence's own calls
   * @param failures and {@code metrics}: those of the licence's own calls (tokens, probes)
   * @param keyProbeFirst the wait before a refused key is tried again, doubled after each refusal
   * @param maxBackoff the longest pause a 429 causes and, up to 5 minutes, the longest wait between key probes
   */
  public Licence(Vertx vertx, Id id, List<String> integrations, int callsPerMinute, String context,
      RemoteCallGuard.Limits limits, RemoteCallGuard.Failures<O> failures, RemoteCallMetrics metrics, Logger log,
      Clock clock, Duration keyProbeFirst, Duration maxBackoff) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.id = Objects.requireNonNull(id, "id");
    this.integrations = List.copyOf(integrations);
    this.callsPerMinute = callsPerMinute;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.log = Objects.requireNonNull(log, "log");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    Duration keyProbeMax = maxBackoff.compareTo(Duration.ofMinutes(5)) < 0 ? maxBackoff : Duration.ofMinutes(5);
    this.status = new LicenceStatus(clock, keyProbeFirst, keyProbeMax, Duration.ofSeconds(1), maxBackoff);
    this.guard = new RemoteCallGuard<>(vertx, id.remote(), id.remote().toLowerCase() + "-" + String.join(",", integrations)
        + "-" + id.keyFingerprint(), context, limits, failures, metrics, log, clock, new Observer());
    metrics.watchLicence(status);
  }

  /**
   * What the licence sends to find out whether it may call again: {@code breakerProbe} a cheap read
   * that needs the key to work, {@code keyProbe} a token request made even while a refusal is held.
   * Their outcome reaches the licence through the breaker and through {@link #keyRefused} / {@link
   * #keyAccepted}.
   */
  public void probes(Supplier<Future<?>> breakerProbe, Supplier<Future<?>> keyProbe) {
    this.breakerProbe = Objects.requireNonNull(breakerProbe, "breakerProbe");
    this.keyProbe = Objects.requireNonNull(keyProbe, "keyProbe");
  }

  /**
   * Writes the licence's blocks to {@code journal} from now on; {@code earlier} are the spans of
   * previous runs, to leave out of the give-up age too.
   */
  public void journal(BlockJournal journal, List<long[]> earlier) {
    earlier.forEach(span -> blockedTime.add(span[0], span[1]));
    this.journal = Objects.requireNonNull(journal, "journal");
  }

  public Id id() {
    return id;
  }

  public List<String> integrations() {
    return integrations;
  }

  public RemoteCallGuard<O> guard() {
    return guard;
  }

  public LicenceStatus status() {
    return status;
  }

  /** Whether calls are held back: the lanes on this licence must not claim work. */
  public boolean blocked() {
    return status.blocked();
  }

  /** The time this licence was blocked, this run and the ones recorded before. */
  public BlockedTime blockedTime() {
    return blockedTime;
  }

  /** How long a refused key is taken as refused before anyone may ask again: until the next probe. */
  public Duration keyRefusalHold() {
    return status.keyRefusalHold();
  }

  /** Runs {@code listener} (on any thread) each time a block ends. */
  public void onAvailable(Runnable listener) {
    onAvailable.add(Objects.requireNonNull(listener, "listener"));
  }

  /** The remote refused the API key: block, and probe it again later. */
  public void keyRefused(String error) {
    keyRefusals.incrementAndGet();
    Transition transition = status.keyRefused(error);
    transition(transition.change());
    log.warn("{}: the API key is refused; calls of {} wait, next try in {}", id, integrations, transition.delay());
    synchronized (this) {
      if (keyProbeTimer >= 0) {
        vertx.cancelTimer(keyProbeTimer); // one chain of probes, however many callers saw the refusal
      }
      keyProbeTimer = vertx.setTimer(Math.max(1, transition.delay().toMillis()), t -> keyProbeDue());
    }
  }

  /** The remote issued a token: the key works. */
  public void keyAccepted() {
    transition(status.keyAccepted());
  }

  /** The licence as the status endpoint shows it; never the key. */
  public JsonObject toJson() {
    Snapshot snapshot = status.snapshot();
    return new JsonObject()
        .put("baseUrl", id.baseUrl())
        .put("keyFingerprint", id.keyFingerprint())
        .put("integrations", new JsonArray(integrations))
        .put("maxConcurrency", guard.limits().maxConcurrency())
        .put("callsPerMinute", callsPerMinute)
        .put("state", snapshot.state().label())
        .put("since", time(snapshot.since()))
        .put("nextProbe", time(snapshot.nextProbe()))
        .put("lastError", snapshot.lastError())
        .put("inFlight", guard.gate().inFlight())
        .put("queued", guard.gate().queued());
  }

  /** Stops probing, closes the guard and removes the licence's meters. */
  public void close() {
    closed = true;
    synchronized (this) {
      if (keyProbeTimer >= 0) {
        vertx.cancelTimer(keyProbeTimer);
      }
    }
    guard.close();
  }

  // ---- reacting to what the calls reveal ----

  private final class Observer implements RemoteCallGuard.Observer {
    @Override
    public void breakerOpened(String lastError) {
      transition(status.breakerOpened(guard.limits().breakerResetTimeout(), lastError));
    }

    @Override
    public void breakerHalfOpen() {
      // outside the breaker's own lock: the probe goes through the breaker
      vertx.runOnContext(v -> probe());
    }

    @Override
    public void breakerClosed() {
      transition(status.breakerClosed());
    }

    @Override
    public void rateLimited(Duration retryAfter, String detail) {
      Transition transition = status.rateLimited(retryAfter, detail);
      if (transition.delay().isZero()) {
        return;
      }
      guard.gate().pause(transition.delay(), "the " + id + " is paused after a 429 until "
          + clock.instant().plus(transition.delay()));
      transition(transition.change());
      endPauseIn(transition.delay());
    }

    @Override
    public void answered() {
      status.answered();
    }
  }

  // a timer may fire a little early, and a later 429 may extend the pause: look again until it is over
  private void endPauseIn(Duration delay) {
    vertx.setTimer(Math.max(1, delay.toMillis() + 1), t -> {
      transition(status.pauseEnded());
      Duration left = status.pauseLeft();
      if (!closed && !left.isZero()) {
        endPauseIn(left);
      }
    });
  }

  private void probe() {
    if (closed || guard.breakerState() != CircuitBreakerState.HALF_OPEN) {
      return;
    }
    boolean forKey = status.keyRefused();
    long refusals = keyRefusals.get();
    Future<?> probe;
    try {
      probe = forKey ? keyProbe.get() : breakerProbe.get();
    } catch (RuntimeException e) {
      probe = Future.failedFuture(e);
    }
    probe.onComplete(done -> {
      metrics.countProbe(done.succeeded() ? "success" : "failure");
      if (forKey && done.failed() && keyRefusals.get() == refusals && status.keyRefused()) {
        keyRefused(done.cause().getMessage()); // not refused, but no answer either: ask again later
      }
      if (!closed && guard.breakerState() == CircuitBreakerState.HALF_OPEN) {
        // the probe never reached the breaker (no token, paused gate): try again a period later
        Duration wait = guard.limits().breakerResetTimeout();
        status.breakerProbeIn(wait);
        vertx.setTimer(Math.max(1, wait.toMillis()), t -> probe());
      }
    });
  }

  private void keyProbeDue() {
    if (closed || !status.keyRefused()) {
      return;
    }
    if (guard.breakerState() != CircuitBreakerState.CLOSED) {
      return; // the breaker's probe, when it half-opens, is the token request
    }
    long refusals = keyRefusals.get();
    Future<?> probe;
    try {
      probe = keyProbe.get();
    } catch (RuntimeException e) {
      probe = Future.failedFuture(e);
    }
    probe.onComplete(done -> {
      metrics.countProbe(done.succeeded() ? "success" : "failure");
      if (done.failed() && keyRefusals.get() == refusals && status.keyRefused()
          && guard.breakerState() == CircuitBreakerState.CLOSED) {
        keyRefused(done.cause().getMessage()); // not refused, but no answer either: ask again later
      }
    });
  }

  private void transition(Change change) {
    if (change == Change.STARTED) {
      long since = status.blockedSinceMillis();
      blockedTime.begin(since);
      Snapshot snapshot = status.snapshot();
      log.warn("{} blocked ({}): {} claim nothing until it is available again; {}", id, snapshot.state().label(),
          integrations, snapshot.lastError());
      BlockJournal writer = journal;
      openSpan = writer == null ? null : writer.blockStarted(id.scope(), snapshot.state().label(), since)
          .onFailure(e -> log.warn("{}: cannot record the block: {}", id, e.getMessage()));
      guard.gate().failWaiting("the " + id + " is " + snapshot.state().label() + ": the call waits for it");
    } else if (change == Change.ENDED) {
      long now = clock.millis();
      blockedTime.end(now);
      log.info("{} available again: {} resume", id, integrations);
      Future<Long> span = openSpan;
      BlockJournal writer = journal;
      if (span != null && writer != null) {
        span.compose(spanId -> writer.blockEnded(spanId, now))
            .onFailure(e -> log.warn("{}: cannot record the end of the block: {}", id, e.getMessage()));
      }
      openSpan = null;
      onAvailable.forEach(Runnable::run);
    }
  }

  private static String time(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
