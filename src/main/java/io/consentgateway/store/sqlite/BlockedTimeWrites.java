package io.consentgateway.store.sqlite;

import io.consentgateway.store.BlockedTimeLog;
import io.consentgateway.store.BlockedTimeLog.Span;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The writes of {@link BlockedTimeLog}, on the writer thread: tables {@code blocked_time} and {@code gateway_alive}. */
final class BlockedTimeWrites {

  private static final String ALIVE =
      "INSERT INTO gateway_alive (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at";

  private BlockedTimeWrites() {}

  static List<Span> resume(GroupCommitWriter.Session session, long now, long keepSince) throws SQLException {
    Long lastAlive = null;
    try (ResultSet rs = session.statement("SELECT at FROM gateway_alive WHERE id = 1").executeQuery()) {
      if (rs.next()) {
        lastAlive = rs.getLong(1);
      }
    }
    // the previous run's blocks ended, at the latest, when it was last seen alive
    PreparedStatement close = session.statement(
        "UPDATE blocked_time SET ended_at = MAX(started_at, ?) WHERE ended_at IS NULL");
    close.setLong(1, lastAlive == null ? 0 : lastAlive);
    close.executeUpdate();
    if (lastAlive != null && now > lastAlive) {
      PreparedStatement down = session.statement(
          "INSERT INTO blocked_time (scope, reason, started_at, ended_at) VALUES (?, 'not_running', ?, ?)");
      down.setString(1, BlockedTimeLog.GATEWAY);
      down.setLong(2, lastAlive);
      down.setLong(3, now);
      down.executeUpdate();
    }
    alive(session, now);
    prune(session, keepSince);
    List<Span> spans = new ArrayList<>();
    try (ResultSet rs = session.statement(
        "SELECT id, scope, reason, started_at, ended_at FROM blocked_time ORDER BY started_at, id").executeQuery()) {
      while (rs.next()) {
        long ended = rs.getLong(5);
        spans.add(new Span(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.wasNull() ? null : ended));
      }
    }
    return spans;
  }

  static Void alive(GroupCommitWriter.Session session, long now) throws SQLException {
    PreparedStatement alive = session.statement(ALIVE);
    alive.setLong(1, now);
    alive.executeUpdate();
    return null;
  }

  static Long started(GroupCommitWriter.Session session, String scope, String reason, long at) throws SQLException {
    PreparedStatement insert = session.statement(
        "INSERT INTO blocked_time (scope, reason, started_at) VALUES (?, ?, ?)");
    insert.setString(1, scope);
    insert.setString(2, reason);
    insert.setLong(3, at);
    insert.executeUpdate();
    try (ResultSet rs = session.statement("SELECT last_insert_rowid()").executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static Void ended(GroupCommitWriter.Session session, long id, long at) throws SQLException {
    PreparedStatement end = session.statement(
        "UPDATE blocked_time SET ended_at = MAX(started_at, ?) WHERE id = ? AND ended_at IS NULL");
    end.setLong(1, at);
    end.setLong(2, id);
    end.executeUpdate();
    return null;
  }

  static Integer prune(GroupCommitWriter.Session session, long before) throws SQLException {
    PreparedStatement prune = session.statement("DELETE FROM blocked_time WHERE ended_at IS NOT NULL AND ended_at < ?");
    prune.setLong(1, before);
    return prune.executeUpdate();
  }
}
