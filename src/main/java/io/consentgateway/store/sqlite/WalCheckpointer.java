package io.consentgateway.store.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves WAL pages back into the database file from its own thread and connection. SQLite would
 * otherwise checkpoint inside whichever commit crosses the threshold — on the writer thread, adding
 * the copy and a second fsync to the latency of that batch of webhooks.
 */
final class WalCheckpointer {

  private static final Logger log = LoggerFactory.getLogger(WalCheckpointer.class);

  private final Connection connection;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "consent-store-checkpoint");
    thread.setDaemon(true);
    return thread;
  });

  WalCheckpointer(Path path, long periodMillis) throws SQLException {
    this.connection = SqliteConsentStore.connect(path);
    connection.setAutoCommit(true);
    executor.scheduleWithFixedDelay(this::checkpoint, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
  }

  private void checkpoint() {
    try (Statement statement = connection.createStatement()) {
      // PASSIVE: copies what it can without waiting for, or blocking, the writer and readers
      statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
    } catch (SQLException e) {
      log.warn("WAL checkpoint failed: {}", e.getMessage());
    }
  }

  void close() {
    if (executor.isShutdown()) {
      return;
    }
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
      checkpoint();
      connection.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (SQLException ignored) {
      // closing anyway
    }
  }
}
