package io.consentgateway.store.sqlite;

import io.consentgateway.mapping.ConsentState;
import io.consentgateway.mapping.FieldChanges;
import io.consentgateway.store.ClaimedUser;
import io.consentgateway.store.DispatchOutcome;
import io.consentgateway.store.DispatchOutcome.DeadLetter;
import io.consentgateway.store.DispatchOutcome.Delivered;
import io.consentgateway.store.DispatchOutcome.NotInActito;
import io.consentgateway.store.DispatchOutcome.NothingToSend;
import io.consentgateway.store.DispatchOutcome.Released;
import io.consentgateway.store.DispatchOutcome.Retry;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The dispatcher's writes, run on the writer thread inside its group-commit transactions. */
final class DispatchWrites {

  private static final String SELECT_DUE =
      "SELECT user_key, desired, acknowledged, profile_id, pending_changes, attempts, dirty_since FROM user_state"
          + " WHERE integration = ? AND dirty_since IS NOT NULL AND next_attempt_at <= ?%s"
          + " ORDER BY next_attempt_at LIMIT ?";

  private static final String LEASE =
      "UPDATE user_state SET leased = 1, next_attempt_at = ?, sending = ? WHERE integration = ? AND user_key = ?";

  // All right-hand sides read the row as it was before the update. Changes merged while the call
  // was in flight (pending_changes above the claimed snapshot) keep the user dirty and due now.
  private static final String SETTLE =
      "UPDATE user_state SET"
          + " acknowledged = COALESCE(?, acknowledged),"
          + " profile_id = COALESCE(?, profile_id),"
          + " attempts = 0, leased = 0, sending = NULL, last_error = ?, dead_lettered = ?,"
          + " pending_changes = MAX(pending_changes - ?, 0),"
          + " dirty_since = CASE WHEN pending_changes > ? THEN ? ELSE NULL END,"
          + " next_attempt_at = CASE WHEN pending_changes > ? THEN ? ELSE NULL END,"
          + " updated_at = ?"
          + " WHERE integration = ? AND user_key = ?";

  private static final String RESCHEDULE =
      "UPDATE user_state SET attempts = attempts + ?, leased = 0, last_error = ?, next_attempt_at = ?, updated_at = ?"
          + " WHERE integration = ? AND user_key = ?";

  private static final String LOG =
      "INSERT INTO dispatch_log (integration, direction, user_key, at, outcome, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?)";

  static final String ACTITO = "actito";
  static final String DIDOMI = "didomi";

  private static final String LAST_SUCCESS =
      "INSERT INTO integration_state (integration, last_success_at) VALUES (?, ?)"
          + " ON CONFLICT (integration) DO UPDATE SET last_success_at = excluded.last_success_at";

  static final String DEAD_LETTER =
      "INSERT OR REPLACE INTO dead_letter (integration, direction, user_key, created_at, reason, status, detail, attempts, state)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

  private DispatchWrites() {}

  static List<ClaimedUser> claimDue(
      GroupCommitWriter.Session session, String integration, int limit, long leaseMillis, List<String> inFlight)
      throws SQLException {
    long now = System.currentTimeMillis();
    List<ClaimedUser> claimed = new ArrayList<>();
    // A user whose dispatch is recording its outcome may look due already; leasing it again would
    // park it for a whole lease, so the scheduler's in-flight users are excluded.
    String exclusion = notIn("user_key", inFlight.size());
    PreparedStatement select = session.statement(String.format(SELECT_DUE, exclusion));
    int p = 1;
    select.setString(p++, integration);
    select.setLong(p++, now);
    for (String userKey : inFlight) {
      select.setString(p++, userKey);
    }
    select.setInt(p, limit);
    try (ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        byte[] desired = rs.getBytes(2);
        byte[] acknowledged = rs.getBytes(3);
        long profileId = rs.getLong(4);
        claimed.add(new ClaimedUser(
            integration,
            rs.getString(1),
            desired == null ? ConsentState.empty() : ConsentState.decode(desired),
            acknowledged == null ? ConsentState.empty() : ConsentState.decode(acknowledged),
            rs.wasNull() ? null : profileId,
            rs.getInt(5),
            rs.getInt(6),
            rs.getLong(7),
            now));
      }
    }
    PreparedStatement lease = session.statement(LEASE);
    for (ClaimedUser user : claimed) {
      lease.setLong(1, now + leaseMillis);
      lease.setBytes(2, sending(user).encode());
      lease.setString(3, integration);
      lease.setString(4, user.userKey());
      lease.executeUpdate();
    }
    return claimed;
  }

  /** The subscriptions this dispatch sends: those whose desired value Actito has not acknowledged. */
  private static Map<String, Boolean> sentSubscriptions(ClaimedUser user) {
    Map<String, Boolean> sent = new TreeMap<>();
    user.desired().subscriptions().forEach((name, value) -> {
      if (!value.equals(user.acknowledged().subscription(name))) {
        sent.put(name, value);
      }
    });
    return sent;
  }

  // What a dispatch is sending, for the Actito webhook that may echo it before the answer arrives:
  // only the fields it changes, so a change the user makes in Actito meanwhile is not taken for it.
  private static ConsentState sending(ClaimedUser user) {
    ConsentState sending = ConsentState.empty();
    Map<String, Boolean> sent = sentSubscriptions(user);
    if (!sent.isEmpty()) {
      sending.overwrite(FieldChanges.ofSubscriptions(user.userKey(), user.claimedAtMillis(), sent));
    }
    return sending;
  }

  /**
   * What Actito holds after a successful dispatch: the claimed state for the fields it sent, and for
   * the others what the store knows now — an Actito webhook may have reported a change in flight.
   */
  private static ConsentState acknowledgedAfter(GroupCommitWriter.Session session, ClaimedUser user) throws SQLException {
    PreparedStatement read = session.statement(
        "SELECT acknowledged FROM user_state WHERE integration = ? AND user_key = ?");
    read.setString(1, user.integration());
    read.setString(2, user.userKey());
    ConsentState now = ConsentState.empty();
    try (ResultSet rs = read.executeQuery()) {
      if (rs.next() && rs.getBytes(1) != null) {
        now = ConsentState.decode(rs.getBytes(1));
      }
    }
    Map<String, Boolean> sent = sentSubscriptions(user);
    Map<String, Boolean> reported = new TreeMap<>();
    now.subscriptions().forEach((name, value) -> {
      if (!sent.containsKey(name)) {
        reported.put(name, value);
      }
    });
    ConsentState acknowledged = user.desired().copy();
    if (!reported.isEmpty()) {
      acknowledged.overwrite(FieldChanges.ofSubscriptions(user.userKey(), now.newestChangeMillis(), reported));
    }
    return acknowledged;
  }

  static Void record(GroupCommitWriter.Session session, ClaimedUser user, DispatchOutcome outcome) throws SQLException {
    long now = System.currentTimeMillis();
    if (outcome instanceof Delivered delivered) {
      settle(session, user, acknowledgedAfter(session, user), delivered.profileId(), null, false, now);
      log(session, user, now, "delivered", null,
          (delivered.profileId() == null ? "" : "profile " + delivered.profileId() + ", ")
              + user.pendingChanges() + " change(s) in one update");
      PreparedStatement success = session.statement(LAST_SUCCESS);
      success.setString(1, user.integration());
      success.setLong(2, now);
      success.executeUpdate();
    } else if (outcome instanceof NothingToSend) {
      settle(session, user, acknowledgedAfter(session, user), null, null, false, now);
    } else if (outcome instanceof NotInActito notInActito) {
      settle(session, user, null, null, "not in Actito: " + notInActito.detail(), false, now);
      log(session, user, now, "not_in_actito", null, notInActito.detail());
    } else if (outcome instanceof Retry retry) {
      PreparedStatement reschedule = session.statement(RESCHEDULE);
      reschedule.setInt(1, retry.countsAsAttempt() ? 1 : 0);
      reschedule.setString(2, retry.detail());
      reschedule.setLong(3, retry.nextAttemptMillis());
      reschedule.setLong(4, now);
      reschedule.setString(5, user.integration());
      reschedule.setString(6, user.userKey());
      reschedule.executeUpdate();
      log(session, user, now, retry.countsAsAttempt() ? "retry" : "waiting", retry.status(), retry.detail());
    } else if (outcome instanceof Released) {
      release(session, user, now);
    } else if (outcome instanceof DeadLetter dead) {
      deadLetter(session, user.integration(), ACTITO, user.userKey(), now, dead.reason(), dead.status(), dead.detail(),
          user.attempts() + 1, user.desired().encode());
      settle(session, user, null, null, dead.reason() + ": " + dead.detail(), true, now);
      log(session, user, now, "dead_letter", dead.status(), dead.reason() + ": " + dead.detail());
    }
    return null;
  }

  // The lease ends and the user is due at once (its lane claims nothing while the licence is
  // blocked); attempts, last error and history stay as they were.
  private static void release(GroupCommitWriter.Session session, ClaimedUser user, long now) throws SQLException {
    PreparedStatement release = session.statement(
        "UPDATE user_state SET leased = 0, sending = NULL, next_attempt_at = ? WHERE integration = ? AND user_key = ?");
    release.setLong(1, now);
    release.setString(2, user.integration());
    release.setString(3, user.userKey());
    release.executeUpdate();
  }

  private static void settle(
      GroupCommitWriter.Session session, ClaimedUser user, ConsentState acknowledged, Long profileId,
      String lastError, boolean deadLettered, long now) throws SQLException {
    PreparedStatement settle = session.statement(SETTLE);
    settle.setBytes(1, acknowledged == null ? null : acknowledged.encode());
    setNullableLong(settle, 2, profileId);
    settle.setString(3, lastError);
    settle.setInt(4, deadLettered ? 1 : 0);
    settle.setInt(5, user.pendingChanges());
    settle.setInt(6, user.pendingChanges());
    settle.setLong(7, user.claimedAtMillis());
    settle.setInt(8, user.pendingChanges());
    settle.setLong(9, now);
    settle.setLong(10, now);
    settle.setString(11, user.integration());
    settle.setString(12, user.userKey());
    settle.executeUpdate();
  }

  static void deadLetter(GroupCommitWriter.Session session, String integration, String direction, String userKey, long now,
      String reason, Integer status, String detail, int attempts, byte[] state) throws SQLException {
    PreparedStatement insert = session.statement(DEAD_LETTER);
    insert.setString(1, integration);
    insert.setString(2, direction);
    insert.setString(3, userKey);
    insert.setLong(4, now);
    insert.setString(5, reason);
    setNullableInt(insert, 6, status);
    insert.setString(7, detail == null ? null : truncate(detail, 4000));
    insert.setInt(8, attempts);
    insert.setBytes(9, state);
    insert.executeUpdate();
  }

  static void log(GroupCommitWriter.Session session, ClaimedUser user, long now, String outcome, Integer status, String detail)
      throws SQLException {
    log(session, user.integration(), ACTITO, user.userKey(), now, outcome, status, detail);
  }

  static void log(GroupCommitWriter.Session session, String integration, String direction, String userKey, long now,
      String outcome, Integer status, String detail) throws SQLException {
    PreparedStatement log = session.statement(LOG);
    log.setString(1, integration);
    log.setString(2, direction);
    log.setString(3, userKey);
    log.setLong(4, now);
    log.setString(5, outcome);
    setNullableInt(log, 6, status);
    log.setString(7, detail == null ? null : truncate(detail, 2000));
    log.executeUpdate();
  }

  /** {@code AND column NOT IN (?, ...)} for {@code count} parameters; empty for none. */
  static String notIn(String column, int count) {
    return count == 0 ? "" : " AND " + column + " NOT IN (" + "?,".repeat(count - 1) + "?)";
  }

  static void setNullableLong(PreparedStatement statement, int index, Long value) throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.INTEGER);
    } else {
      statement.setLong(index, value);
    }
  }

  static void setNullableInt(PreparedStatement statement, int index, Integer value) throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.INTEGER);
    } else {
      statement.setInt(index, value);
    }
  }

  private static String truncate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "…";
  }
}
