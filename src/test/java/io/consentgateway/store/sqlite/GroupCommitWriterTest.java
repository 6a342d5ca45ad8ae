package io.consentgateway.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgateway.store.StoreUnavailableException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The single writer thread on a real SQLite file: batching, isolation of a failing write, recovery. */
class GroupCommitWriterTest {

  @TempDir Path dir;
  private Path db;
  private GroupCommitWriter writer;

  @BeforeEach
  void open() throws SQLException {
    db = dir.resolve("writer.db");
    Connection connection = SqliteConsentStore.connect(db, "NORMAL");
    try (Statement s = connection.createStatement()) {
      s.execute("CREATE TABLE t (v INTEGER PRIMARY KEY)");
    }
    connection.commit();
    writer = new GroupCommitWriter(connection, () -> SqliteConsentStore.connect(db, "NORMAL"),
        onDiskFailure -> new WalSyncer(db, new SimpleMeterRegistry(), () -> {}), 1000, 100, new SimpleMeterRegistry());
    writer.start();
  }

  @AfterEach
  void close() {
    writer.close().await();
  }

  @Test
  void aFailingWriteIsRolledBackAloneAndTheOthersOfItsBatchCommit() {
    List<Future<Integer>> writes = new ArrayList<>();
    for (int v = 1; v <= 20; v++) {
      int value = v == 10 ? 1 : v; // the 10th violates the primary key
      writes.add(writer.submit(session -> insert(session, value)));
    }

    Future.join(writes).transform(ar -> Future.succeededFuture()).await();

    assertThat(writes).filteredOn(Future::failed).hasSize(1);
    assertThat(writes.get(9).cause()).isInstanceOf(StoreUnavailableException.class);
    assertThat(count()).isEqualTo(19);
  }

  @Test
  void aCommitThatFailsIsRefusedAndTheWriterRecoversOnAFreshConnection() {
    // a write that ends the transaction behind the driver's back, as SQLite does after an I/O error
    Future<Integer> broken = writer.submit(session -> {
      insert(session, 1);
      try (Statement s = session.connection().createStatement()) {
        s.execute("COMMIT");
      }
      return 1;
    });
    assertThatThrownBy(broken::await).isInstanceOf(StoreUnavailableException.class);

    List<Future<Integer>> after = new ArrayList<>();
    for (int v = 100; v < 110; v++) {
      int value = v;
      after.add(writer.submit(session -> insert(session, value)));
    }
    Future.all(after).await();

    assertThat(count()).isEqualTo(11); // the ten, plus the row the broken write committed on its own
  }

  private static int insert(GroupCommitWriter.Session session, int value) throws SQLException {
    var statement = session.statement("INSERT INTO t (v) VALUES (?)");
    statement.setInt(1, value);
    return statement.executeUpdate();
  }

  private int count() {
    try (Connection c = SqliteConsentStore.connect(db); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
      rs.next();
      return rs.getInt(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
