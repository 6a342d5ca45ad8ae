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
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's only writer: one platform thread that takes queued writes, runs as many as are
 * waiting (up to {@code maxBatch}) in one transaction, commits once, and hands the batch to the
 * {@link WalSyncer}, which completes each write's future once the WAL is fsync'd (one fsync for
 * every batch committed meanwhile). Each write runs inside its own savepoint, so
 * a failing write is rolled back alone and nothing is half-stored.
 */
final class GroupCommitWriter {

  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);

  /** A unit of work run on the writer thread inside the batch transaction; it may be run twice. */
  @FunctionalInterface
  interface Work<T> {
    T run(Session session) throws SQLException;
  }

  /** The writer thread's connection, with statements prepared once and reused. */
  static final class Session {
    private final Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    Session(Connection connection) {
      this.connection = connection;
    }

    PreparedStatement statement(String sql) throws SQLException {
      PreparedStatement statement = statements.get(sql);
      if (statement == null) {
        statement = connection.prepareStatement(sql);
        statements.put(sql, statement);
      }
      statement.clearParameters();
      return statement;
    }

    Connection connection() {
      return connection;
    }

    void close() {
      for (PreparedStatement statement : statements.values()) {
        try {
          statement.close();
        } catch (SQLException ignored) {
          // closing anyway
        }
      }
    }
  }

  private record Request<T>(Work<T> work, Promise<T> promise, Context context, boolean ingest) {
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

  /** Opens a fresh writer connection, configured like the first one. */
  @FunctionalInterface
  interface Reconnect {
    Connection open() throws SQLException;
  }

  private Connection connection;
  private Session session;
  private final Reconnect reconnect;
  private final WalSyncer syncer;
  // Unbounded: ingest's share is bounded by queueCapacity below, the dispatcher's by its in-flight limit.
  private final BlockingQueue<Request<?>> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger ingestQueued = new AtomicInteger();
  private final int queueCapacity;
  private final int maxBatch;
  private final Thread thread;
  private final Timer commitTimer;
  private final DistributionSummary batchSize;
  private final Promise<Void> closed = Promise.promise();
  private volatile boolean accepting = true;

  /**
   * @param syncer builds the WAL syncer, given what it calls when the disk fails: this writer's
   *     {@link #failClosed()}
   */
  GroupCommitWriter(Connection connection, Reconnect reconnect, java.util.function.Function<Runnable, WalSyncer> syncer,
      int queueCapacity, int maxBatch, MeterRegistry registry) {
    this.connection = connection;
    this.reconnect = reconnect;
    this.syncer = syncer.apply(this::failClosed);
    this.session = new Session(connection);
    this.queueCapacity = queueCapacity;
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
    syncer.start();
    thread.start();
  }

  int queueDepth() {
    return queue.size();
  }

  boolean isAccepting() {
    return accepting;
  }

  /**
   * Queues a webhook write; refused with {@link Reason#OVERLOADED} when {@code queueCapacity} of them
   * are already waiting, so that a burst is answered 503 instead of growing the heap.
   */
  <T> Future<T> submit(Work<T> work) {
    if (ingestQueued.incrementAndGet() > queueCapacity) {
      ingestQueued.decrementAndGet();
      return Future.failedFuture(new StoreUnavailableException(
          Reason.OVERLOADED, "the store's write queue is full (" + queueCapacity + " waiting)", null));
    }
    return enqueue(work, true);
  }

  /**
   * Queues a dispatcher or operator write, never refused for overload: an outcome that could not be
   * recorded would leave its user leased (parked) until the lease ran out. Their number is bounded
   * by the dispatcher's in-flight limit.
   */
  <T> Future<T> submitControl(Work<T> work) {
    return enqueue(work, false);
  }

  private <T> Future<T> enqueue(Work<T> work, boolean ingest) {
    if (!accepting) {
      if (ingest) {
        ingestQueued.decrementAndGet();
      }
      return Future.failedFuture(new StoreUnavailableException(Reason.CLOSED, "the store is shutting down", null));
    }
    Promise<T> promise = Promise.promise();
    Request<T> request = new Request<>(work, promise, Vertx.currentContext(), ingest);
    queue.add(request);
    if (!thread.isAlive() && queue.remove(request)) {
      // the writer is gone (closed, or died): nobody would ever complete this promise
      request.complete(null, new StoreUnavailableException(Reason.CLOSED, "the store is closed", null));
    }
    return promise.future();
  }

  /** The store can no longer promise durability (a failed fsync): refuse every write from now on. */
  void failClosed() {
    accepting = false;
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
        for (Request<?> request : batch) {
          if (request.ingest()) {
            ingestQueued.decrementAndGet();
          }
        }
        runBatch(batch);
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable fatal) {
      // an Error (out of memory...): stop taking writes, so ingest answers 503 and health says DOWN
      log.error("store writer failed; the store is closed", fatal);
      accepting = false;
      StoreUnavailableException failure = new StoreUnavailableException(Reason.FAILED, "the store writer failed", null);
      for (Request<?> request : batch) {
        request.complete(null, failure);
      }
    } finally {
      accepting = false;
      failRemaining();
      syncer.close();
      try {
        session.close();
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
    try {
      if (!runOptimistically(batch, results)) {
        // One write failed: redo the batch with a savepoint around each write, so that only the
        // failing one is rolled back and the others still commit.
        connection.rollback();
        runIsolated(batch, results, failures);
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
      // After an I/O error SQLite may have rolled back on its own while the driver still believes a
      // transaction is open, and would run the next writes outside one: start from a fresh connection.
      reopen();
      return;
    }
    commitTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    batchSize.record(batch.size());
    List<Request<?>> committed = List.copyOf(batch);
    // acknowledged only once the WAL is fsync'd: durable before acknowledged
    syncer.afterCommit(syncFailure -> {
      StoreUnavailableException notDurable = syncFailure == null ? null
          : new StoreUnavailableException(Reason.FAILED, "the store could not fsync: " + syncFailure.getMessage(), syncFailure);
      for (int i = 0; i < committed.size(); i++) {
        committed.get(i).complete(results[i], notDurable != null ? notDurable : failures[i]);
      }
    });
  }

  private void reopen() {
    session.close();
    try {
      connection.close();
    } catch (SQLException ignored) {
      // replaced anyway
    }
    try {
      connection = reconnect.open();
      session = new Session(connection);
      log.warn("store writer reconnected after a failed commit");
    } catch (SQLException e) {
      log.error("store writer cannot reconnect; the store is closed: {}", e.getMessage());
      accepting = false;
    }
  }

  private boolean runOptimistically(List<Request<?>> batch, Object[] results) {
    for (int i = 0; i < batch.size(); i++) {
      try {
        results[i] = batch.get(i).work().run(session);
      } catch (SQLException | RuntimeException | StackOverflowError e) {
        return false;
      }
    }
    return true;
  }

  private void runIsolated(List<Request<?>> batch, Object[] results, Throwable[] failures) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      for (int i = 0; i < batch.size(); i++) {
        results[i] = null;
        statement.execute("SAVEPOINT w");
        try {
          results[i] = batch.get(i).work().run(session);
          statement.execute("RELEASE w");
        } catch (SQLException | RuntimeException | StackOverflowError e) {
          statement.execute("ROLLBACK TO w");
          statement.execute("RELEASE w");
          failures[i] = new StoreUnavailableException(Reason.FAILED, "store write failed: " + e.getMessage(), e);
        }
      }
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
