package io.consentgateway.store.sqlite;

import io.consentgateway.mapping.ConsentState;
import io.consentgateway.mapping.DeliveryRules;
import io.consentgateway.mapping.RecentWrites;
import io.consentgateway.store.ClaimedUser;
import io.consentgateway.store.DispatchOutcome;
import io.consentgateway.store.DispatchOutcome.DeadLetter;
import io.consentgateway.store.DispatchOutcome.Delivered;
import io.consentgateway.store.DispatchOutcome.NotInActito;
import io.consentgateway.store.DispatchOutcome.NothingToSend;
import io.consentgateway.store.DispatchOutcome.Progress;
import io.consentgateway.store.DispatchOutcome.RefusedField;
import io.consentgateway.store.DispatchOutcome.Released;
import io.consentgateway.store.DispatchOutcome.Retry;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The dispatcher's writes, run on the writer thread inside its group-commit transactions. */
final class DispatchWrites {

  private static final String SELECT_DUE =
      "SELECT user_key, desired, acknowledged, profile_id, pending_changes, attempts, dirty_since, recheck_at"
          + " FROM user_state"
          + " WHERE integration = ? AND dirty_since IS NOT NULL AND next_attempt_at <= ?%s"
          + " ORDER BY next_attempt_at LIMIT ?";

  private static final String LEASE =
      "UPDATE user_state SET leased = ?, next_attempt_at = ?, sending = ? WHERE integration = ? AND user_key = ?";

  // All right-hand sides read the row as it was before the update. Changes merged while the call
  // was in flight (pending_changes above the claimed snapshot) keep the user dirty and due now. A
  // re-send after a write in doubt (recheck_at) that was due when claimed is done with this
  // outcome, and so is every one of a dead-lettered user; one not due yet stays.
  private static final String SETTLE =
      "UPDATE user_state SET"
          + " acknowledged = COALESCE(?, acknowledged),"
          + " profile_id = COALESCE(?, profile_id),"
          + " attempts = 0, leased = 0, sending = NULL, last_error = ?, dead_lettered = ?,"
          + " pending_changes = MAX(pending_changes - ?, 0),"
          + " dirty_since = CASE WHEN pending_changes > ? THEN ? ELSE NULL END,"
          + " next_attempt_at = CASE WHEN pending_changes > ? THEN ? ELSE NULL END,"
          + " recheck_at = CASE WHEN ? = 1 OR recheck_at <= ? THEN NULL ELSE recheck_at END,"
          + " updated_at = ?"
          + " WHERE integration = ? AND user_key = ?";

  // users whose re-send after a write in doubt is due, and who have nothing else to send (those are
  // claimed as due above, the re-send with them); not while a lease or a retry's backoff holds them
  private static final String SELECT_RECHECK_DUE =
      "SELECT user_key, desired, acknowledged, profile_id, pending_changes, attempts, recheck_at, recheck_at"
          + " FROM user_state"
          + " WHERE integration = ? AND recheck_at IS NOT NULL AND recheck_at <= ? AND dirty_since IS NULL"
          + " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)%s"
          + " ORDER BY recheck_at LIMIT ?";

  // the lease ends, and with it the snapshot of what was being sent: an Actito webhook arriving
  // after this is no longer the echo of a call in flight
  // a write in doubt asks for a re-send at recheck_at (the later of two asks wins)
  private static final String RESCHEDULE =
      "UPDATE user_state SET attempts = attempts + ?, leased = 0, sending = NULL, last_error = ?, next_attempt_at = ?,"
          + " recheck_at = CASE WHEN ? IS NULL THEN recheck_at ELSE MAX(COALESCE(recheck_at, 0), ?) END,"
          + " updated_at = ? WHERE integration = ? AND user_key = ?";

  private static final String READ_ACKNOWLEDGED =
      "SELECT acknowledged, recent_writes FROM user_state WHERE integration = ? AND user_key = ?";

  private static final String WRITE_ACKNOWLEDGED =
      "UPDATE user_state SET acknowledged = ?, recent_writes = ?, profile_id = COALESCE(?, profile_id)"
          + " WHERE integration = ? AND user_key = ?";

  private static final String REFUSED_FIELDS =
      "SELECT field, value FROM dead_letter WHERE integration = ? AND direction = 'actito' AND user_key = ? AND field <> ''";

  private static final String CLEAR_REFUSED_FIELD =
      "DELETE FROM dead_letter WHERE integration = ? AND direction = 'actito' AND user_key = ? AND field = ?";

  private static final String LOG =
      "INSERT INTO dispatch_log (integration, direction, user_key, at, outcome, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?)";

  static final String ACTITO = "actito";
  static final String DIDOMI = "didomi";

  private static final String LAST_SUCCESS =
      "INSERT INTO integration_state (integration, last_success_at) VALUES (?, ?)"
          + " ON CONFLICT (integration) DO UPDATE SET last_success_at = excluded.last_success_at";

  static final String DEAD_LETTER =
      "INSERT OR REPLACE INTO dead_letter (integration, direction, user_key, field, value, created_at, reason, status,"
          + " detail, attempts, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  private DispatchWrites() {}

  static List<ClaimedUser> claimDue(
      GroupCommitWriter.Session session, String integration, int limit, long leaseMillis, List<String> inFlight,
      long now) throws SQLException {
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
    List<ClaimedUser> due = new ArrayList<>();
    readClaimed(session, select, integration, now, due);
    if (due.size() < limit) {
      List<String> excluded = new ArrayList<>(inFlight);
      due.forEach(user -> excluded.add(user.userKey()));
      PreparedStatement rechecks = session.statement(String.format(SELECT_RECHECK_DUE, notIn("user_key", excluded.size())));
      int r = 1;
      rechecks.setString(r++, integration);
      rechecks.setLong(r++, now);
      rechecks.setLong(r++, now);
      for (String userKey : excluded) {
        rechecks.setString(r++, userKey);
      }
      rechecks.setInt(r, limit - due.size());
      readClaimed(session, rechecks, integration, now, due);
    }
    for (ClaimedUser user : due) {
      Map<String, String> refused = refusedFields(session, integration, user.userKey());
      claimed.add(refused.isEmpty() ? user : new ClaimedUser(user.integration(), user.userKey(), user.desired(),
          user.acknowledged(), user.profileId(), user.pendingChanges(), user.attempts(), user.dirtySinceMillis(),
          user.claimedAtMillis(), refused, user.lease()));
    }
    PreparedStatement lease = session.statement(LEASE);
    for (ClaimedUser user : claimed) {
      lease.setLong(1, user.lease().token());
      lease.setLong(2, now + leaseMillis);
      lease.setBytes(3, ConsentStateCodec.encode(sending(user)));
      lease.setString(4, integration);
      lease.setString(5, user.userKey());
      lease.executeUpdate();
    }
    return claimed;
  }

  // columns: user_key, desired, acknowledged, profile_id, pending_changes, attempts, dirty_since, recheck_at
  private static void readClaimed(GroupCommitWriter.Session session, PreparedStatement select, String integration,
      long now, List<ClaimedUser> due) throws SQLException {
    record Unreadable(String userKey, String why, int attempts, byte[] state) {}
    List<Unreadable> unreadable = new ArrayList<>();
    try (ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        byte[] desired = rs.getBytes(2);
        // a re-send after a write in doubt is due: send every field, whatever Actito acknowledged
        Long recheckAt = OperatorQueries.nullableLong(rs, 8);
        byte[] acknowledged = recheckAt != null && recheckAt <= now ? null : rs.getBytes(3);
        Long profileId = OperatorQueries.nullableLong(rs, 4); // wasNull() right after its own column
        try {
          due.add(new ClaimedUser(
              integration,
              rs.getString(1),
              desired == null ? ConsentState.empty() : ConsentStateCodec.decode(desired),
              acknowledged == null ? ConsentState.empty() : ConsentStateCodec.decode(acknowledged),
              profileId,
              rs.getInt(5),
              rs.getInt(6),
              rs.getLong(7),
              now,
              Map.of(),
              Leases.next()));
        } catch (IllegalArgumentException e) {
          unreadable.add(new Unreadable(rs.getString(1), e.getMessage(), rs.getInt(6), desired));
        }
      }
    }
    // one person's damaged row must not stop everyone's dispatch: a dead letter of its own
    for (Unreadable row : unreadable) {
      String userKey = row.userKey();
      String detail = "the stored state cannot be read: " + row.why();
      deadLetter(session, integration, ACTITO, userKey, now, "unreadable_state", null, detail, row.attempts() + 1,
          row.state());
      PreparedStatement park = session.statement("UPDATE user_state SET dirty_since = NULL, next_attempt_at = NULL,"
          + " recheck_at = NULL, leased = 0, sending = NULL, dead_lettered = 1, last_error = ?, updated_at = ?"
          + " WHERE integration = ? AND user_key = ?");
      park.setString(1, "unreadable_state: " + detail);
      park.setLong(2, now);
      park.setString(3, integration);
      park.setString(4, userKey);
      park.executeUpdate();
      log(session, integration, ACTITO, userKey, now, "dead_letter", null, "unreadable_state: " + detail);
    }
  }

  /** The user's fields Actito refused, by field name, with the value refused. */
  static Map<String, String> refusedFields(GroupCommitWriter.Session session, String integration, String userKey)
      throws SQLException {
    PreparedStatement select = session.statement(REFUSED_FIELDS);
    select.setString(1, integration);
    select.setString(2, userKey);
    Map<String, String> refused = new HashMap<>();
    try (ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        refused.put(rs.getString(1), rs.getString(2));
      }
    }
    return refused;
  }

  /** What a claim of {@code user} sends: the snapshot kept while it is in flight. */
  static ConsentState sendingOf(ClaimedUser user) {
    return sending(user);
  }

  private static ConsentState sending(ClaimedUser user) {
    return DeliveryRules.sending(user.userKey(), user.claimedAtMillis(), user.desired(), user.acknowledged(), user.refused());
  }

  /**
   * Records what a dispatch got through: the fields Actito took become acknowledged (with the
   * claimed values; any other field keeps what the store knows now, which an Actito webhook may
   * have updated while the call was in flight), each refused field becomes a dead letter of its
   * own, and a field that got through clears its old refusal.
   */
  private static void recordProgress(GroupCommitWriter.Session session, ClaimedUser user, Progress progress, long now)
      throws SQLException {
    if (progress.isEmpty() && progress.profileId() == null) {
      return;
    }
    PreparedStatement read = session.statement(READ_ACKNOWLEDGED);
    read.setString(1, user.integration());
    read.setString(2, user.userKey());
    ConsentState acknowledged = ConsentState.empty();
    RecentWrites recent = RecentWrites.empty();
    try (ResultSet rs = read.executeQuery()) {
      if (rs.next()) {
        acknowledged = rs.getBytes(1) == null ? acknowledged : ConsentStateCodec.decode(rs.getBytes(1));
        recent = RecentWritesCodec.decode(rs.getString(2));
      }
    }
    DeliveryRules.Acknowledgement after = DeliveryRules.afterDelivery(acknowledged, recent, user.desired(),
        progress.sentSubscriptions(), progress.sentAttributes(), user.refused(), now);
    for (String field : after.clearedRefusals()) {
      clearRefused(session, user, field);
    }
    PreparedStatement write = session.statement(WRITE_ACKNOWLEDGED);
    write.setBytes(1, after.acknowledged().isEmpty() ? null : ConsentStateCodec.encode(after.acknowledged()));
    write.setString(2, RecentWritesCodec.encode(after.recent()));
    setNullableLong(write, 3, progress.profileId());
    write.setString(4, user.integration());
    write.setString(5, user.userKey());
    write.executeUpdate();
    for (RefusedField refused : progress.refused()) {
      PreparedStatement insert = session.statement(DEAD_LETTER);
      insert.setString(1, user.integration());
      insert.setString(2, ACTITO);
      insert.setString(3, user.userKey());
      insert.setString(4, refused.field());
      insert.setString(5, refused.value());
      insert.setLong(6, now);
      insert.setString(7, "field_refused");
      setNullableInt(insert, 8, refused.status());
      insert.setString(9, refused.detail() == null ? null : truncate(refused.detail(), 4000));
      insert.setInt(10, user.attempts() + 1);
      insert.setBytes(11, null);
      insert.executeUpdate();
      log(session, user, now, "field_refused", refused.status(),
          refused.field() + ": " + (refused.detail() == null ? "refused by Actito" : refused.detail()));
    }
  }

  private static void clearRefused(GroupCommitWriter.Session session, ClaimedUser user, String field) throws SQLException {
    PreparedStatement clear = session.statement(CLEAR_REFUSED_FIELD);
    clear.setString(1, user.integration());
    clear.setString(2, user.userKey());
    clear.setString(3, field);
    clear.executeUpdate();
  }

  private static final String STILL_LEASED =
      "SELECT erase_after_delivery FROM user_state WHERE integration = ? AND user_key = ? AND leased = ?";

  private static final String SETTLED_FOR_ERASURE =
      "SELECT 1 FROM user_state WHERE integration = ? AND user_key = ? AND dirty_since IS NULL AND erase_after_delivery = 1"
          + " AND NOT EXISTS (SELECT 1 FROM dead_letter d WHERE d.integration = user_state.integration"
          + "   AND d.user_key = user_state.user_key AND d.discarded = 0)";

  /** Whether {@code user}'s claim still holds its lease (not erased, released or claimed again since). */
  static boolean stillLeased(GroupCommitWriter.Session session, ClaimedUser user) throws SQLException {
    return eraseAfterDelivery(session, user) != null;
  }

  // the user's erase_after_delivery flag while the claim holds its lease, null once it does not
  private static Boolean eraseAfterDelivery(GroupCommitWriter.Session session, ClaimedUser user) throws SQLException {
    PreparedStatement leased = session.statement(STILL_LEASED);
    leased.setString(1, user.integration());
    leased.setString(2, user.userKey());
    leased.setLong(3, user.lease().token());
    try (ResultSet rs = leased.executeQuery()) {
      return rs.next() ? rs.getInt(1) != 0 : null;
    }
  }

  /** Records the outcome; answers whether the user was erased with it (erase after delivery). */
  static boolean record(GroupCommitWriter.Session session, ClaimedUser user, DispatchOutcome outcome, long now)
      throws SQLException {
    Boolean eraseAfter = eraseAfterDelivery(session, user);
    if (eraseAfter == null) {
      return false; // erased, released or claimed again meanwhile: this outcome is not the current lease's
    }
    recordLeased(session, user, outcome, now);
    if (eraseAfter) {
      PreparedStatement settled = session.statement(SETTLED_FOR_ERASURE);
      settled.setString(1, user.integration());
      settled.setString(2, user.userKey());
      try (ResultSet rs = settled.executeQuery()) {
        if (rs.next()) {
          UserErasure.erase(session, user.integration(), user.userKey(), now); // Actito has the unsubscribe: forget the user
          return true;
        }
      }
    }
    return false;
  }

  private static void recordLeased(GroupCommitWriter.Session session, ClaimedUser user, DispatchOutcome outcome, long now)
      throws SQLException {
    if (outcome instanceof Delivered delivered) {
      Progress progress = delivered.progress();
      recordProgress(session, user, progress, now);
      settle(session, user, null, null, progress.refused().isEmpty() ? null
          : progress.refused().size() + " field(s) refused by Actito", false, now);
      if (!progress.sentSubscriptions().isEmpty() || !progress.sentAttributes().isEmpty()) {
        log(session, user, now, "delivered", null,
            (progress.profileId() == null ? "" : "profile " + progress.profileId() + ", ")
                + user.pendingChanges() + " change(s) in one update: " + describe(progress));
        PreparedStatement success = session.statement(LAST_SUCCESS);
        success.setString(1, user.integration());
        success.setLong(2, now);
        success.executeUpdate();
      }
    } else if (outcome instanceof NothingToSend) {
      // nothing was sent: what Actito holds is what the store already knows
      settle(session, user, null, null, null, false, now);
    } else if (outcome instanceof NotInActito notInActito) {
      settle(session, user, null, null, "not in Actito: " + notInActito.detail(), false, now);
      log(session, user, now, "not_in_actito", null, notInActito.detail());
    } else if (outcome instanceof Retry retry) {
      recordProgress(session, user, retry.progress(), now);
      if (retry.recheckAtMillis() != null) {
        rememberInDoubt(session, user.integration(), user.userKey(), sending(user), now);
      }
      PreparedStatement reschedule = session.statement(RESCHEDULE);
      reschedule.setInt(1, retry.countsAsAttempt() ? 1 : 0);
      reschedule.setString(2, retry.detail());
      reschedule.setLong(3, retry.nextAttemptMillis());
      setNullableLong(reschedule, 4, retry.recheckAtMillis());
      setNullableLong(reschedule, 5, retry.recheckAtMillis());
      reschedule.setLong(6, now);
      reschedule.setString(7, user.integration());
      reschedule.setString(8, user.userKey());
      reschedule.executeUpdate();
      log(session, user, now, retry.countsAsAttempt() ? "retry" : "waiting", retry.status(), retry.detail()
          + (retry.recheckAtMillis() == null ? "" : "; in doubt (Actito may still apply it): the whole state is sent"
          + " again at " + java.time.Instant.ofEpochMilli(retry.recheckAtMillis())));
    } else if (outcome instanceof Released) {
      release(session, user, now);
    } else if (outcome instanceof DeadLetter dead) {
      deadLetter(session, user.integration(), ACTITO, user.userKey(), now, dead.reason(), dead.status(), dead.detail(),
          user.attempts() + 1, ConsentStateCodec.encode(user.desired()));
      settle(session, user, null, null, dead.reason() + ": " + dead.detail(), true, now);
      log(session, user, now, "dead_letter", dead.status(), dead.reason() + ": " + dead.detail());
    }
  }

  /**
   * A write in doubt may still land: the values it sent count as recent writes, so that Actito
   * calling back with them is taken for its late echo, to check, never for a change made there.
   */
  static void rememberInDoubt(GroupCommitWriter.Session session, String integration, String userKey,
      ConsentState sent, long now) throws SQLException {
    if (sent.subscriptions().isEmpty()) {
      return;
    }
    PreparedStatement read = session.statement(READ_ACKNOWLEDGED);
    read.setString(1, integration);
    read.setString(2, userKey);
    RecentWrites recent = RecentWrites.empty();
    try (ResultSet rs = read.executeQuery()) {
      if (rs.next()) {
        recent = RecentWritesCodec.decode(rs.getString(2));
      }
    }
    RecentWrites after = RecentWrites.of(recent.entries());
    sent.subscriptions().forEach((name, value) -> after.wrote(name, value, now));
    PreparedStatement write = session.statement(
        "UPDATE user_state SET recent_writes = ? WHERE integration = ? AND user_key = ?");
    write.setString(1, RecentWritesCodec.encode(after));
    write.setString(2, integration);
    write.setString(3, userKey);
    write.executeUpdate();
  }

  private static void release(GroupCommitWriter.Session session, ClaimedUser user, long now) throws SQLException {
    release(session, user, now, false);
  }

  /**
   * The lease ends and the user is due at once (its lane claims nothing while the licence is
   * blocked); attempts, last error and history stay as they were. {@code sendEveryField}: the
   * next claim sends the whole state, whatever Actito acknowledged (a write in doubt).
   */
  static void release(GroupCommitWriter.Session session, ClaimedUser user, long now, boolean sendEveryField)
      throws SQLException {
    PreparedStatement release = session.statement("UPDATE user_state SET leased = 0, sending = NULL, next_attempt_at = ?,"
        + " recheck_at = CASE WHEN ? = 1 THEN ? ELSE recheck_at END WHERE integration = ? AND user_key = ?");
    release.setLong(1, now);
    release.setInt(2, sendEveryField ? 1 : 0);
    release.setLong(3, now);
    release.setString(4, user.integration());
    release.setString(5, user.userKey());
    release.executeUpdate();
  }

  private static void settle(
      GroupCommitWriter.Session session, ClaimedUser user, ConsentState acknowledged, Long profileId,
      String lastError, boolean deadLettered, long now) throws SQLException {
    PreparedStatement settle = session.statement(SETTLE);
    settle.setBytes(1, acknowledged == null ? null : ConsentStateCodec.encode(acknowledged));
    setNullableLong(settle, 2, profileId);
    settle.setString(3, lastError);
    settle.setInt(4, deadLettered ? 1 : 0);
    settle.setInt(5, user.pendingChanges());
    settle.setInt(6, user.pendingChanges());
    settle.setLong(7, user.claimedAtMillis());
    settle.setInt(8, user.pendingChanges());
    settle.setLong(9, now);
    settle.setInt(10, deadLettered ? 1 : 0);
    settle.setLong(11, user.claimedAtMillis());
    settle.setLong(12, now);
    settle.setString(13, user.integration());
    settle.setString(14, user.userKey());
    settle.executeUpdate();
  }

  /** A whole user's dead letter (all of its pending change gave up), in one direction. */
  static void deadLetter(GroupCommitWriter.Session session, String integration, String direction, String userKey, long now,
      String reason, Integer status, String detail, int attempts, byte[] state) throws SQLException {
    PreparedStatement insert = session.statement(DEAD_LETTER);
    insert.setString(1, integration);
    insert.setString(2, direction);
    insert.setString(3, userKey);
    insert.setString(4, "");
    insert.setString(5, null);
    insert.setLong(6, now);
    insert.setString(7, reason);
    setNullableInt(insert, 8, status);
    insert.setString(9, detail == null ? null : truncate(detail, 4000));
    insert.setInt(10, attempts);
    insert.setBytes(11, state);
    insert.executeUpdate();
  }

  private static String describe(Progress progress) {
    StringBuilder out = new StringBuilder();
    if (!progress.sentSubscriptions().isEmpty()) {
      out.append("subscriptions ").append(new java.util.TreeSet<>(progress.sentSubscriptions()));
    }
    if (!progress.sentAttributes().isEmpty()) {
      out.append(out.length() == 0 ? "" : ", ").append("attributes ").append(new java.util.TreeSet<>(progress.sentAttributes()));
    }
    if (!progress.refused().isEmpty()) {
      out.append(out.length() == 0 ? "" : ", ").append(progress.refused().size()).append(" refused");
    }
    return out.toString();
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
