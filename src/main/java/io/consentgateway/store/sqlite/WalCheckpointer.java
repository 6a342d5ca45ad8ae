package io.consentgateway.store.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
  private final AtomicBoolean truncate = new AtomicBoolean();
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

  /**
   * Asks the next checkpoint to empty the WAL file (TRUNCATE) instead of copying what it can: after
   * an erasure, the WAL's older frames still hold the erased person's rows until they are overwritten.
   */
  void requestTruncate() {
    truncate.set(true);
  }

  private void checkpoint() {
    boolean truncating = truncate.getAndSet(false);
    try (Statement statement = connection.createStatement()) {
      if (!truncating) {
        // PASSIVE: copies what it can without waiting for, or blocking, the writer and readers
        statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
        return;
      }
      // TRUNCATE waits for readers and holds the writer for the copy: rare (an erasure), and short
      try (ResultSet rs = statement.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
        if (rs.next() && rs.getInt(1) != 0) {
          truncate.set(true); // busy: a reader held an older snapshot; try again next period
        }
      }
    } catch (SQLException e) {
      if (truncating) {
        truncate.set(true);
      }
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
