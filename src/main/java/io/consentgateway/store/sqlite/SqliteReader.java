package io.consentgateway.store.sqlite;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Reads for the operator API and gauges, on one thread with its own connection: WAL lets it read
 * while the writer commits, and no JDBC call ever runs on an event loop.
 */
final class SqliteReader {

  @FunctionalInterface
  interface Query<T> {
    T run(Connection connection) throws SQLException;
  }

  private final Connection connection;
  private final ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
    Thread thread = new Thread(runnable, "consent-store-reader");
    thread.setDaemon(true);
    return thread;
  });

  SqliteReader(Connection connection) {
    this.connection = connection;
  }

  <T> Future<T> read(Query<T> query) {
    Context context = Vertx.currentContext();
    Promise<T> promise = Promise.promise();
    try {
      executor.execute(() -> {
        T result = null;
        Throwable failure = null;
        try {
          result = query.run(connection);
          connection.commit(); // end the read transaction so the WAL can be checkpointed
        } catch (SQLException | RuntimeException e) {
          failure = e;
          try {
            connection.rollback();
          } catch (SQLException ignored) {
            // the failure above is what matters
          }
        }
        T value = result;
        Throwable error = failure;
        Runnable settle = () -> {
          if (error == null) {
            promise.complete(value);
          } else {
            promise.fail(error);
          }
        };
        if (context == null) {
          settle.run();
        } else {
          context.runOnContext(v -> settle.run());
        }
      });
    } catch (RejectedExecutionException e) {
      return Future.failedFuture(new IllegalStateException("the store is closed"));
    }
    return promise.future();
  }

  void close() {
    try {
      executor.execute(() -> {
        try {
          connection.close();
        } catch (SQLException ignored) {
          // closing anyway
        }
      });
    } catch (RejectedExecutionException alreadyClosed) {
      return;
    }
    executor.shutdown();
  }
}
