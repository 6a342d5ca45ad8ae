package io.consentgateway.store.sqlite;

import io.consentgateway.mapping.ConsentState;
import io.consentgateway.store.BulkQueue.Execution;
import io.consentgateway.store.BulkQueue.ExecutionState;
import io.consentgateway.store.BulkQueue.SentFields;
import io.consentgateway.store.BulkQueue.Settlement;
import io.consentgateway.store.ClaimedUser;
import io.consentgateway.store.DispatchOutcome;
import io.consentgateway.store.Lease;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bulk lane's reads and writes. The people of an execution are leased in {@code user_state}
 * like any claim, and each has a {@code bulk_row} holding the claim itself (the state claimed, its
 * lease, what the file carries): the row outlives a restart, and a lease a row holds is not
 * released when the store opens, so the execution's outcome is recorded as the claim's — with the
 * same fencing and the same rules — however long the import takes.
 */
final class BulkWrites {

  // a bulk lease never expires on its own: it ends with the execution's outcome
  private static final long HELD_MILLIS = 100L * 365 * 24 * 3600 * 1000;

  private static final String EXECUTION_COLUMNS =
      "id, integration, table_key, state, execution_id, rows, bytes, created_at, triggered_at, ended_at, detail";

  /**
   * Of a {@code user_state} row: its lease is held by a bulk execution's claim. Such a lease is not
   * released when the store opens, and the person is not erased before the execution's outcome.
   */
  static final String HELD_BY_AN_EXECUTION =
      "EXISTS (SELECT 1 FROM bulk_row b WHERE b.integration = user_state.integration"
          + " AND b.user_key = user_state.user_key AND b.lease = user_state.leased)";

  private BulkWrites() {}

  static List<Execution> openExecutions(Connection connection, String integration) throws SQLException {
    return executions(connection, "SELECT " + EXECUTION_COLUMNS + " FROM bulk_execution"
        + " WHERE integration = ? AND state <> 'SETTLED' ORDER BY id", integration, -1);
  }

  static List<Execution> recentExecutions(Connection connection, String integration, int limit) throws SQLException {
    return executions(connection, "SELECT " + EXECUTION_COLUMNS + " FROM bulk_execution"
        + " WHERE integration = ? ORDER BY id DESC LIMIT ?", integration, limit);
  }

  private static List<Execution> executions(Connection connection, String sql, String integration, int limit)
      throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(sql)) {
      select.setString(1, integration);
      if (limit >= 0) {
        select.setInt(2, limit);
      }
      List<Execution> out = new ArrayList<>();
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          out.add(new Execution(rs.getLong(1), rs.getString(2), rs.getString(3), ExecutionState.valueOf(rs.getString(4)),
              rs.getString(5), rs.getInt(6), rs.getLong(7), rs.getLong(8), OperatorQueries.nullableLong(rs, 9),
              OperatorQueries.nullableLong(rs, 10), rs.getString(11)));
        }
      }
      return out;
    }
  }

  static int triggeredSince(Connection connection, String tableKey, long since) throws SQLException {
    try (PreparedStatement count = connection.prepareStatement(
        "SELECT COUNT(*) FROM bulk_execution WHERE table_key = ? AND triggered_at >= ?")) {
      count.setString(1, tableKey);
      count.setLong(2, since);
      try (ResultSet rs = count.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }
  }

  /** People of {@code integration} due now (not held by a lease nor a backoff), counted up to {@code cap}. */
  static int dueCount(Connection connection, String integration, long now, int cap) throws SQLException {
    try (PreparedStatement count = connection.prepareStatement(
        "SELECT COUNT(*) FROM (SELECT 1 FROM user_state WHERE integration = ? AND dirty_since IS NOT NULL"
            + " AND next_attempt_at <= ? LIMIT ?)")) {
      count.setString(1, integration);
      count.setLong(2, now);
      count.setInt(3, cap);
      try (ResultSet rs = count.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }
  }

  static long createExecution(GroupCommitWriter.Session session, String integration, String tableKey, long now)
      throws SQLException {
    PreparedStatement insert = session.statement(
        "INSERT INTO bulk_execution (integration, table_key, state, created_at) VALUES (?, ?, 'PREPARING', ?)");
    insert.setString(1, integration);
    insert.setString(2, tableKey);
    insert.setLong(3, now);
    insert.executeUpdate();
    try (ResultSet rs = session.statement("SELECT last_insert_rowid()").executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String integrationOf(GroupCommitWriter.Session session, long execution) throws SQLException {
    PreparedStatement select = session.statement("SELECT integration FROM bulk_execution WHERE id = ?");
    select.setLong(1, execution);
    try (ResultSet rs = select.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("no bulk execution " + execution);
      }
      return rs.getString(1);
    }
  }

  private static final String INSERT_ROW =
      "INSERT OR REPLACE INTO bulk_row (execution, integration, user_key, lease, desired, acknowledged, profile_id,"
          + " pending_changes, attempts, dirty_since, claimed_at, refused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  static List<ClaimedUser> claim(GroupCommitWriter.Session session, long execution, int limit, List<String> inFlight,
      long now) throws SQLException {
    String integration = integrationOf(session, execution);
    List<ClaimedUser> claimed = DispatchWrites.claimDue(session, integration, limit, HELD_MILLIS, inFlight, now);
    PreparedStatement insert = session.statement(INSERT_ROW);
    for (ClaimedUser user : claimed) {
      insert.setLong(1, execution);
      insert.setString(2, integration);
      insert.setString(3, user.userKey());
      insert.setLong(4, user.lease().token());
      insert.setBytes(5, ConsentStateCodec.encode(user.desired()));
      insert.setBytes(6, ConsentStateCodec.encode(user.acknowledged()));
      DispatchWrites.setNullableLong(insert, 7, user.profileId());
      insert.setInt(8, user.pendingChanges());
      insert.setInt(9, user.attempts());
      insert.setLong(10, user.dirtySinceMillis());
      insert.setLong(11, user.claimedAtMillis());
      insert.setString(12, user.refused().isEmpty() ? null : new JsonObject(new HashMap<>(user.refused())).encode());
      insert.executeUpdate();
    }
    return claimed;
  }

  static void rowsSent(GroupCommitWriter.Session session, long execution, Map<String, SentFields> rows)
      throws SQLException {
    PreparedStatement update = session.statement(
        "UPDATE bulk_row SET sent_subscriptions = ?, sent_attributes = ? WHERE execution = ? AND user_key = ?");
    for (var row : rows.entrySet()) {
      update.setString(1, new JsonArray(new ArrayList<>(row.getValue().subscriptions())).encode());
      update.setString(2, new JsonArray(new ArrayList<>(row.getValue().attributes())).encode());
      update.setLong(3, execution);
      update.setString(4, row.getKey());
      update.executeUpdate();
    }
  }

  static void updateExecution(GroupCommitWriter.Session session, long execution, ExecutionState state,
      String executionId, Integer rows, Long bytes, String detail, long now) throws SQLException {
    PreparedStatement update = session.statement("UPDATE bulk_execution SET state = ?,"
        + " execution_id = COALESCE(?, execution_id), rows = COALESCE(?, rows), bytes = COALESCE(?, bytes),"
        + " detail = COALESCE(?, detail),"
        + " triggered_at = CASE WHEN ? = 1 THEN ? ELSE triggered_at END,"
        + " ended_at = CASE WHEN ? = 1 AND ended_at IS NULL THEN ? ELSE ended_at END"
        + " WHERE id = ?");
    update.setString(1, state.name());
    update.setString(2, executionId);
    DispatchWrites.setNullableInt(update, 3, rows);
    DispatchWrites.setNullableLong(update, 4, bytes);
    update.setString(5, detail == null ? null : detail.length() > 2000 ? detail.substring(0, 2000) + "…" : detail);
    update.setInt(6, state == ExecutionState.TRIGGERING ? 1 : 0);
    update.setLong(7, now);
    update.setInt(8, state.ended() || state == ExecutionState.IN_DOUBT || state == ExecutionState.SETTLED ? 1 : 0);
    update.setLong(9, now);
    update.setLong(10, execution);
    update.executeUpdate();
  }

  private static final String SELECT_ROWS =
      "SELECT user_key, lease, desired, acknowledged, profile_id, pending_changes, attempts, dirty_since, claimed_at,"
          + " refused, sent_subscriptions, sent_attributes, integration FROM bulk_row WHERE execution = ? LIMIT ?";

  static int settle(GroupCommitWriter.Session session, long execution, Settlement settlement, String detail, int limit,
      long now) throws SQLException {
    PreparedStatement select = session.statement(SELECT_ROWS);
    select.setLong(1, execution);
    select.setInt(2, limit);
    record Row(ClaimedUser user, SentFields sent) {}
    List<Row> rows = new ArrayList<>();
    try (ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        Map<String, String> refused = new HashMap<>();
        if (rs.getString(10) != null) {
          new JsonObject(rs.getString(10)).forEach(e -> refused.put(e.getKey(), String.valueOf(e.getValue())));
        }
        byte[] desired = rs.getBytes(3);
        byte[] acknowledged = rs.getBytes(4);
        ClaimedUser user = new ClaimedUser(rs.getString(13), rs.getString(1),
            desired == null ? ConsentState.empty() : ConsentStateCodec.decode(desired),
            acknowledged == null ? ConsentState.empty() : ConsentStateCodec.decode(acknowledged),
            OperatorQueries.nullableLong(rs, 5), rs.getInt(6), rs.getInt(7), rs.getLong(8), rs.getLong(9), refused,
            new Lease(rs.getLong(2)));
        SentFields sent = rs.getString(11) == null ? null
            : new SentFields(names(rs.getString(11)), names(rs.getString(12)));
        rows.add(new Row(user, sent));
      }
    }
    PreparedStatement delete = session.statement("DELETE FROM bulk_row WHERE execution = ? AND user_key = ?");
    for (Row row : rows) {
      ClaimedUser user = row.user();
      if (settlement == Settlement.DELIVERED && row.sent() != null) {
        DispatchOutcome.Delivered delivered = new DispatchOutcome.Delivered(new DispatchOutcome.Progress(null,
            row.sent().subscriptions(), row.sent().attributes(), List.of()));
        if (DispatchWrites.stillLeased(session, user)) {
          DispatchWrites.log(session, user, now, "bulk_delivered", null, detail);
        }
        DispatchWrites.record(session, user, delivered, now);
      } else if (DispatchWrites.stillLeased(session, user)) {
        if (settlement == Settlement.RESEND && row.sent() != null) {
          // the import may have applied part of the file: those values count as recent writes, and
          // every field of the person is sent again, so no value of the file outlives a newer one
          DispatchWrites.rememberInDoubt(session, user.integration(), user.userKey(),
              DispatchWrites.sendingOf(user), now);
        }
        DispatchWrites.release(session, user, now, settlement == Settlement.RESEND);
        DispatchWrites.log(session, user, now, "bulk_fallback", null, detail);
      }
      delete.setLong(1, execution);
      delete.setString(2, user.userKey());
      delete.executeUpdate();
    }
    if (rows.size() < limit) {
      updateExecution(session, execution, ExecutionState.SETTLED, null, null, null, null, now);
    }
    return rows.size();
  }

  private static Set<String> names(String json) {
    Set<String> out = new HashSet<>();
    new JsonArray(json).forEach(name -> out.add(String.valueOf(name)));
    return out;
  }

  /** The schema of the bulk lane (version 9). */
  static void createTables(java.sql.Statement statement) throws SQLException {
    statement.execute("""
        CREATE TABLE bulk_execution (
          id           INTEGER PRIMARY KEY,
          integration  TEXT    NOT NULL,
          table_key    TEXT    NOT NULL,
          state        TEXT    NOT NULL,
          execution_id TEXT,
          rows         INTEGER NOT NULL DEFAULT 0,
          bytes        INTEGER NOT NULL DEFAULT 0,
          created_at   INTEGER NOT NULL,
          triggered_at INTEGER,
          ended_at     INTEGER,
          detail       TEXT
        )""");
    statement.execute("CREATE INDEX bulk_execution_open ON bulk_execution (integration, state)");
    statement.execute("CREATE INDEX bulk_execution_triggered ON bulk_execution (table_key, triggered_at)");
    statement.execute("""
        CREATE TABLE bulk_row (
          execution          INTEGER NOT NULL,
          integration        TEXT    NOT NULL,
          user_key           TEXT    NOT NULL,
          lease              INTEGER NOT NULL,
          desired            BLOB,
          acknowledged       BLOB,
          profile_id         INTEGER,
          pending_changes    INTEGER NOT NULL,
          attempts           INTEGER NOT NULL,
          dirty_since        INTEGER NOT NULL,
          claimed_at         INTEGER NOT NULL,
          refused            TEXT,
          sent_subscriptions TEXT,
          sent_attributes    TEXT,
          PRIMARY KEY (execution, user_key)
        )""");
    statement.execute("CREATE INDEX bulk_row_user ON bulk_row (integration, user_key)");
  }
}
