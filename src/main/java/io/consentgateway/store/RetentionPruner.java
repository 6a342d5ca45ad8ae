package io.consentgateway.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guarantee 13: raw webhooks and history older than {@code store.retentionDays} are deleted in the
 * background, {@value #BATCH} rows per transaction with a pause between, so that a prune of a
 * large store never holds up ingest; then again every {@value #EVERY_MINUTES} minutes. User states,
 * dead letters and queued writes are kept whatever their age: they are still to be acted on.
 */
public final class RetentionPruner extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(RetentionPruner.class);
  static final int BATCH = 500;
  static final long EVERY_MINUTES = 10;
  private static final long PAUSE_MILLIS = 20;
  private static final long FIRST_AFTER_MILLIS = 30_000;

  private final ConsentStore store;
  private final Duration retention;
  private final Clock clock;
  private final Counter pruned;
  private long timer = -1;
  private boolean running;
  private volatile boolean stopped;

  public RetentionPruner(ConsentStore store, int retentionDays, Clock clock, MeterRegistry registry) {
    this.store = Objects.requireNonNull(store, "store");
    this.retention = Duration.ofDays(retentionDays);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.pruned = Counter.builder("gateway.store.pruned.rows")
        .description("Raw webhooks and history lines deleted for being older than store.retentionDays")
        .register(registry);
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(FIRST_AFTER_MILLIS, EVERY_MINUTES * 60_000, id -> pruneNow());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return Future.succeededFuture();
  }

  /** Starts a prune now unless one is running; completes when it is done (for tests and operators). */
  public Future<Long> pruneNow() {
    if (running) {
      return Future.succeededFuture(0L);
    }
    running = true;
    long cutoff = clock.millis() - retention.toMillis();
    return batch(cutoff, 0).onComplete(done -> {
      running = false;
      if (done.succeeded() && done.result() > 0) {
        log.info("pruned {} raw webhook(s) and history line(s) older than {} days", done.result(), retention.toDays());
      } else if (done.failed()) {
        log.warn("pruning stopped: {}", done.cause().getMessage());
      }
    });
  }

  private Future<Long> batch(long cutoff, long total) {
    if (stopped) {
      return Future.succeededFuture(total);
    }
    return store.prune(cutoff, BATCH).compose(rows -> {
      pruned.increment(rows);
      if (rows == 0) {
        return Future.succeededFuture(total);
      }
      // a pause between batches: ingest's group commits go first
      return vertx.timer(PAUSE_MILLIS).compose(v -> batch(cutoff, total + rows));
    });
  }
}
