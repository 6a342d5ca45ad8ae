package io.consentgateway.store.sqlite;

import io.consentgateway.store.StoreUnavailableException;
import io.consentgateway.store.StoreUnavailableException.Reason;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's only writer: one platform thread that takes queued writes, runs as many as are
 * waiting (up to {@code maxBatch}) in one transaction, commits once (one fsync for the whole
 * batch) and only then completes each write's future. Each write runs inside its own savepoint, so
 * a failing write is rolled back alone and nothing is half-stored.
 */
final class GroupCommitWriter {

  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);

  /** A unit of work run on the writer thread inside the batch transaction. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private record Request<T>(Work<T> work, Promise<T> promise, Context context) {
    void complete(Object result, Throwable failure) {
      @SuppressWarnings("unchecked")
      T value = (T) result;
      if (context == null) {
        settle(value, failure);
      } else {
        context.runOnContext(v -> settle(value, failure));
      }
    }

    private void settle(T value, Throwable failure) {
      if (failure == null) {
        promise.complete(value);
      } else {
        promise.fail(failure);
      }
    }
  }

  private final Connection connection;
  private final BlockingQueue<Request<?>> queue;
  private final int maxBatch;
  private final Thread thread;
  private final Timer commitTimer;
  private final DistributionSummary batchSize;
  private final Promise<Void> closed = Promise.promise();
  private volatile boolean accepting = true;

  GroupCommitWriter(Connection connection, int queueCapacity, int maxBatch, MeterRegistry registry) {
    this.connection = connection;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.maxBatch = maxBatch;
    this.thread = new Thread(this::loop, "consent-store-writer");
    this.commitTimer = Timer.builder("gateway.store.commit")
        .description("Time to run and commit (fsync) one batch of store writes")
        .publishPercentileHistogram()
        .register(registry);
    this.batchSize = DistributionSummary.builder("gateway.store.batch.size")
        .description("Writes committed together in one transaction")
        .publishPercentileHistogram()
        .register(registry);
    Gauge.builder("gateway.store.queue.depth", queue, BlockingQueue::size)
        .description("Writes waiting for the store's writer thread")
        .register(registry);
  }

  void start() {
    thread.start();
  }

  int queueDepth() {
    return queue.size();
  }

  boolean isAccepting() {
    return accepting;
  }

  <T> Future<T> submit(Work<T> work) {
    if (!accepting) {
      return Future.failedFuture(new StoreUnavailableException(Reason.CLOSED, "the store is shutting down", null));
    }
    Promise<T> promise = Promise.promise();
    Context context = Vertx.currentContext();
    if (!queue.offer(new Request<>(work, promise, context))) {
      return Future.failedFuture(new StoreUnavailableException(
          Reason.OVERLOADED, "the store's write queue is full (" + queue.size() + " waiting)", null));
    }
    return promise.future();
  }

  /** Stops taking writes, lets the writer commit what is queued, then closes the connection. */
  Future<Void> close() {
    accepting = false;
    Context context = Vertx.currentContext();
    Promise<Void> result = Promise.promise();
    closed.future().onComplete(ar -> {
      if (context == null) {
        result.handle(ar);
      } else {
        context.runOnContext(v -> result.handle(ar));
      }
    });
    return result.future();
  }

  private void loop() {
    List<Request<?>> batch = new ArrayList<>(maxBatch);
    try {
      while (accepting || !queue.isEmpty()) {
        Request<?> first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, maxBatch - 1);
        runBatch(batch);
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      failRemaining();
      try {
        connection.close();
        closed.tryComplete();
      } catch (SQLException e) {
        closed.tryFail(e);
      }
      log.info("store writer stopped");
    }
  }

  private void runBatch(List<Request<?>> batch) {
    long started = System.nanoTime();
    Object[] results = new Object[batch.size()];
    Throwable[] failures = new Throwable[batch.size()];
    try (Statement statement = connection.createStatement()) {
      for (int i = 0; i < batch.size(); i++) {
        statement.execute("SAVEPOINT w");
        try {
          results[i] = batch.get(i).work().run(connection);
          statement.execute("RELEASE w");
        } catch (SQLException | RuntimeException e) {
          statement.execute("ROLLBACK TO w");
          statement.execute("RELEASE w");
          failures[i] = new StoreUnavailableException(Reason.FAILED, "store write failed: " + e.getMessage(), e);
        }
      }
      connection.commit();
    } catch (SQLException e) {
      log.error("store commit failed; {} writes refused: {}", batch.size(), e.getMessage());
      try {
        connection.rollback();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      StoreUnavailableException failure = new StoreUnavailableException(Reason.FAILED, "store commit failed: " + e.getMessage(), e);
      for (Request<?> request : batch) {
        request.complete(null, failure);
      }
      return;
    }
    commitTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    batchSize.record(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).complete(results[i], failures[i]);
    }
  }

  private void failRemaining() {
    StoreUnavailableException closing = new StoreUnavailableException(Reason.CLOSED, "the store closed", null);
    Request<?> request;
    while ((request = queue.poll()) != null) {
      request.complete(null, closing);
    }
  }
}
