package io.consentgateway.store.sqlite;

import io.consentgateway.webhook.DeliveryDigest;
import io.consentgateway.mapping.WriteBackRules;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Guarantee 13 on the writer thread: a user's data erased on request, and raw webhooks and history
 * pruned once older than the retention, a small batch per transaction so ingest's commits are
 * never held up for long.
 */
final class UserErasure {

  /** Every table that holds something of a user, by its user column. */
  private static final String[] USER_TABLES =
      {"webhook_inbox", "dispatch_log", "dead_letter", "didomi_outbox", "user_state", "didomi_clock_ahead", "bulk_row"};

  private UserErasure() {}

  /**
   * Deletes every row of the user in every table; answers how many. What remains for the echo
   * window is a digest of the key ({@link #recentlyErased}): no key, no data.
   */
  static int erase(GroupCommitWriter.Session session, String integration, String userKey, long now)
      throws SQLException {
    if (heldByABulkExecution(session, integration, userKey)) {
      return eraseOnceTheImportEnds(session, integration, userKey);
    }
    int rows = 0;
    for (String table : USER_TABLES) {
      rows += deleteRows(session, table, integration, userKey);
    }
    if (rows > 0) {
      PreparedStatement tombstone = session.statement(
          "INSERT OR REPLACE INTO erased_user (integration, key_digest, erased_at) VALUES (?, ?, ?)");
      tombstone.setString(1, integration);
      tombstone.setString(2, digest(integration, userKey));
      tombstone.setLong(3, now);
      tombstone.executeUpdate();
    }
    return rows;
  }

  private static int deleteRows(GroupCommitWriter.Session session, String table, String integration, String userKey)
      throws SQLException {
    PreparedStatement delete = session.statement("DELETE FROM " + table + " WHERE integration = ? AND user_key = ?");
    delete.setString(1, integration);
    delete.setString(2, userKey);
    return delete.executeUpdate();
  }

  private static boolean heldByABulkExecution(GroupCommitWriter.Session session, String integration, String userKey)
      throws SQLException {
    PreparedStatement held = session.statement("SELECT 1 FROM user_state WHERE integration = ? AND user_key = ?"
        + " AND leased <> 0 AND " + BulkWrites.HELD_BY_AN_EXECUTION);
    held.setString(1, integration);
    held.setString(2, userKey);
    try (var rs = held.executeQuery()) {
      return rs.next();
    }
  }

  // A running import still carries the person's row: dropping their state and lease now would let
  // a newer change (a withdrawal) reach Actito before the import, which would then land the older
  // value for good. Everything but the state the import holds goes now; the rest once its outcome
  // is recorded and nothing newer is left to send (erase after delivery).
  private static int eraseOnceTheImportEnds(GroupCommitWriter.Session session, String integration, String userKey)
      throws SQLException {
    int rows = 0;
    for (String table : USER_TABLES) {
      if (!table.equals("user_state") && !table.equals("bulk_row")) {
        rows += deleteRows(session, table, integration, userKey);
      }
    }
    PreparedStatement mark = session.statement(
        "UPDATE user_state SET erase_after_delivery = 1 WHERE integration = ? AND user_key = ?");
    mark.setString(1, integration);
    mark.setString(2, userKey);
    return rows + mark.executeUpdate();
  }

  /**
   * Whether the user was erased less than the echo window ago: an Actito webhook about it then is
   * most likely the echo of the gateway's last write (the unsubscribe of {@code
   * unsubscribeAllAndErase}, a dispatch in flight at the erasure), and is dropped unstored.
   */
  static boolean recentlyErased(GroupCommitWriter.Session session, String integration, String userKey, long nowMillis)
      throws SQLException {
    PreparedStatement select = session.statement(
        "SELECT 1 FROM erased_user WHERE integration = ? AND key_digest = ? AND erased_at > ?");
    select.setString(1, integration);
    select.setString(2, digest(integration, userKey));
    select.setLong(3, nowMillis - WriteBackRules.ECHO_WINDOW_MILLIS);
    try (ResultSet rs = select.executeQuery()) {
      return rs.next();
    }
  }

  private static String digest(String integration, String userKey) {
    return DeliveryDigest.of(integration.getBytes(StandardCharsets.UTF_8), userKey);
  }

  /**
   * Deletes up to {@code batch} inbox rows and up to {@code batch} history lines older than {@code
   * cutoffMillis}. Rows are taken in insertion order (their primary key), which follows time: the
   * scan stops at the first row that is not old enough, so no index on time is needed; a row
   * stored a little out of order waits for a later pass.
   */
  static int prune(GroupCommitWriter.Session session, long cutoffMillis, int batch, long now) throws SQLException {
    return pruneOldest(session, "webhook_inbox", "received_at", cutoffMillis, batch)
        + pruneOldest(session, "dispatch_log", "at", cutoffMillis, batch)
        + pruneOldest(session, "didomi_clock_ahead", "first_arrival", cutoffMillis, batch)
        // write-backs written long ago were kept only for their echo
        + pruneOldest(session, "didomi_outbox", "CASE WHEN done = 1 THEN COALESCE(written_at, created_at) ELSE NULL END",
            cutoffMillis, batch)
        + forgetTombstones(session, now);
  }

  private static int forgetTombstones(GroupCommitWriter.Session session, long now) throws SQLException {
    PreparedStatement delete = session.statement("DELETE FROM erased_user WHERE erased_at <= ?");
    delete.setLong(1, now - WriteBackRules.ECHO_WINDOW_MILLIS);
    return delete.executeUpdate();
  }

  private static int pruneOldest(GroupCommitWriter.Session session, String table, String timeColumn, long cutoffMillis,
      int batch) throws SQLException {
    PreparedStatement select = session.statement(
        "SELECT id, " + timeColumn + " FROM " + table + " ORDER BY id LIMIT ?");
    select.setInt(1, batch);
    List<Long> old = new ArrayList<>();
    try (ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        long at = rs.getLong(2);
        if (rs.wasNull() || at >= cutoffMillis) {
          break;
        }
        old.add(rs.getLong(1));
      }
    }
    if (old.isEmpty()) {
      return 0;
    }
    PreparedStatement delete = session.statement("DELETE FROM " + table + " WHERE id BETWEEN ? AND ?");
    delete.setLong(1, old.get(0));
    delete.setLong(2, old.get(old.size() - 1));
    return delete.executeUpdate();
  }
}
