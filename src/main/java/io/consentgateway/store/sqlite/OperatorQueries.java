package io.consentgateway.store.sqlite;

import io.consentgateway.mapping.ConsentState;
import io.consentgateway.store.DeadLetterEntry;
import io.consentgateway.store.IntegrationBacklog;
import io.consentgateway.store.UserRecord;
import io.consentgateway.store.UserRecord.HistoryEntry;
import io.consentgateway.store.UserRecord.PendingDidomiWrite;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The operator API's reads, run by {@link SqliteReader}. */
final class OperatorQueries {

  private OperatorQueries() {}

  static Optional<UserRecord> user(Connection c, String integration, String userKey, int historyLimit) throws SQLException {
    List<DeadLetterEntry> deadLetters = deadLetters(c, integration, userKey);
    List<PendingDidomiWrite> writes = pendingDidomiWrites(c, integration, userKey);
    List<HistoryEntry> history = history(c, integration, userKey, historyLimit);
    try (PreparedStatement s = c.prepareStatement(
        "SELECT desired, acknowledged, profile_id, pending_changes, dirty_since, next_attempt_at, attempts, last_error"
            + " FROM user_state WHERE integration = ? AND user_key = ?")) {
      s.setString(1, integration);
      s.setString(2, userKey);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          if (history.isEmpty()) {
            return Optional.empty();
          }
          // known only from webhooks that changed nothing (pending, other regulation, ...)
          return Optional.of(new UserRecord(integration, userKey, ConsentState.empty(), ConsentState.empty(), null, 0,
              null, null, 0, null, deadLetters, writes, history));
        }
        byte[] desired = rs.getBytes(1);
        byte[] acknowledged = rs.getBytes(2);
        return Optional.of(new UserRecord(
            integration,
            userKey,
            desired == null ? ConsentState.empty() : ConsentStateCodec.decode(desired),
            acknowledged == null ? ConsentState.empty() : ConsentStateCodec.decode(acknowledged),
            nullableLong(rs, 3),
            rs.getInt(4),
            nullableLong(rs, 5),
            nullableLong(rs, 6),
            rs.getInt(7),
            rs.getString(8),
            deadLetters,
            writes,
            history));
      }
    }
  }

  private static List<HistoryEntry> history(Connection c, String integration, String userKey, int limit) throws SQLException {
    List<HistoryEntry> history = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(
        "SELECT received_at, source, type, dedup_key FROM webhook_inbox WHERE integration = ? AND user_key = ?"
            + " ORDER BY received_at DESC, id DESC LIMIT ?")) {
      s.setString(1, integration);
      s.setString(2, userKey);
      s.setInt(3, limit);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          history.add(new HistoryEntry(rs.getLong(1), "webhook", rs.getString(2).toLowerCase(), rs.getString(3),
              null, rs.getString(4)));
        }
      }
    }
    try (PreparedStatement s = c.prepareStatement(
        "SELECT at, outcome, status, detail, direction FROM dispatch_log WHERE integration = ? AND user_key = ?"
            + " ORDER BY at DESC, id DESC LIMIT ?")) {
      s.setString(1, integration);
      s.setString(2, userKey);
      s.setInt(3, limit);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          Long status = nullableLong(rs, 3);
          history.add(new HistoryEntry(rs.getLong(1), "dispatch", rs.getString(5), rs.getString(2),
              status == null ? null : status.intValue(), rs.getString(4)));
        }
      }
    }
    history.sort(Comparator.comparingLong(HistoryEntry::atMillis).reversed());
    return history.size() > limit ? List.copyOf(history.subList(0, limit)) : history;
  }

  static List<DeadLetterEntry> deadLetters(Connection c, String integration, String userKey) throws SQLException {
    List<DeadLetterEntry> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(
        "SELECT user_key, created_at, reason, status, detail, attempts, direction, field, value FROM dead_letter"
            + " WHERE integration = ? AND user_key = ? AND discarded = 0 ORDER BY direction, field")) {
      s.setString(1, integration);
      s.setString(2, userKey);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(deadLetter(integration, rs));
        }
      }
    }
    return out;
  }

  private static List<PendingDidomiWrite> pendingDidomiWrites(Connection c, String integration, String userKey)
      throws SQLException {
    List<PendingDidomiWrite> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(
        "SELECT delivery_key, subscriptions, created_at, next_attempt_at, attempts, last_error, dead, verify FROM didomi_outbox"
            + " WHERE integration = ? AND user_key = ? AND done = 0 ORDER BY id")) {
      s.setString(1, integration);
      s.setString(2, userKey);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(new PendingDidomiWrite(rs.getString(1), rs.getString(2), rs.getLong(3), nullableLong(rs, 4),
              rs.getInt(5), rs.getString(6), rs.getInt(7) != 0, rs.getInt(8) != 0));
        }
      }
    }
    return out;
  }

  static List<DeadLetterEntry> deadLetters(Connection c, String integration, int offset, int limit) throws SQLException {
    List<DeadLetterEntry> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(
        "SELECT user_key, created_at, reason, status, detail, attempts, direction, field, value FROM dead_letter"
            + " WHERE integration = ? AND discarded = 0 ORDER BY created_at, user_key, direction, field LIMIT ? OFFSET ?")) {
      s.setString(1, integration);
      s.setInt(2, limit);
      s.setInt(3, offset);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(deadLetter(integration, rs));
        }
      }
    }
    return out;
  }

  private static DeadLetterEntry deadLetter(String integration, ResultSet rs) throws SQLException {
    Long status = nullableLong(rs, 4);
    String field = rs.getString(8);
    return new DeadLetterEntry(integration, rs.getString(7), rs.getString(1), field == null || field.isEmpty() ? null : field,
        rs.getString(9), rs.getLong(2), rs.getString(3), status == null ? null : status.intValue(), rs.getString(5),
        rs.getInt(6));
  }

  static IntegrationBacklog backlog(Connection c, String integration) throws SQLException {
    long dirty;
    Long oldest;
    try (PreparedStatement s = c.prepareStatement(
        "SELECT COUNT(*), MIN(dirty_since) FROM user_state WHERE integration = ? AND dirty_since IS NOT NULL")) {
      s.setString(1, integration);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        dirty = rs.getLong(1);
        oldest = nullableLong(rs, 2);
      }
    }
    long dead;
    try (PreparedStatement s = c.prepareStatement(
        "SELECT COUNT(*) FROM dead_letter WHERE integration = ? AND discarded = 0")) {
      s.setString(1, integration);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        dead = rs.getLong(1);
      }
    }
    boolean paused = false;
    Long lastSuccess = null;
    try (PreparedStatement s = c.prepareStatement(
        "SELECT paused, last_success_at FROM integration_state WHERE integration = ?")) {
      s.setString(1, integration);
      try (ResultSet rs = s.executeQuery()) {
        if (rs.next()) {
          paused = rs.getInt(1) != 0;
          lastSuccess = nullableLong(rs, 2);
        }
      }
    }
    return new IntegrationBacklog(dirty, oldest, dead, paused, lastSuccess);
  }

  static Long nullableLong(ResultSet rs, int column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : value;
  }
}
