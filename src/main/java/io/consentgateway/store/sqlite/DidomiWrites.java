package io.consentgateway.store.sqlite;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.consentgateway.mapping.ConsentState;
import io.consentgateway.mapping.FieldChanges;
import io.consentgateway.store.ActitoSubscriptionChange;
import io.consentgateway.store.ClaimedDidomiWrite;
import io.consentgateway.store.DidomiWriteOutcome;
import io.consentgateway.store.IngestOutcome;
import io.consentgateway.store.WebhookSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The bidirectional flow's writes, on the writer thread: an Actito subscription change merged into
 * the user's state and queued for Didomi (unless it is the echo of the gateway's own update), and
 * the Didomi write-back queue's leases and outcomes.
 */
final class DidomiWrites {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<TreeMap<String, Boolean>> SUBSCRIPTIONS = new TypeReference<>() {};

  private static final String READ_STATE =
      "SELECT desired, acknowledged, sending FROM user_state WHERE integration = ? AND user_key = ?";

  private static final String WRITE_STATE =
      "INSERT INTO user_state (integration, user_key, desired, acknowledged, profile_id, pending_changes, dirty_since,"
          + " next_attempt_at, attempts, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)"
          + " ON CONFLICT (integration, user_key) DO UPDATE SET"
          + "   desired = excluded.desired, acknowledged = excluded.acknowledged,"
          + "   profile_id = COALESCE(excluded.profile_id, profile_id),"
          + "   pending_changes = pending_changes + excluded.pending_changes,"
          + "   dirty_since = CASE WHEN excluded.pending_changes > 0 THEN COALESCE(dirty_since, excluded.dirty_since) ELSE dirty_since END,"
          + "   next_attempt_at = CASE WHEN excluded.pending_changes > 0 THEN COALESCE(next_attempt_at, excluded.next_attempt_at)"
          + "     ELSE next_attempt_at END,"
          + "   updated_at = excluded.updated_at";

  private static final String QUEUE =
      "INSERT INTO didomi_outbox (integration, user_key, delivery_key, profile_id, subscriptions, created_at, next_attempt_at)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?)";

  // Only the oldest live write of each user is due: per-user order.
  private static final String SELECT_DUE =
      "SELECT o.id, o.user_key, o.delivery_key, o.profile_id, o.subscriptions, o.attempts, o.created_at, u.desired"
          + " FROM didomi_outbox o LEFT JOIN user_state u ON u.integration = o.integration AND u.user_key = o.user_key"
          + " WHERE o.integration = ? AND o.dead = 0 AND o.next_attempt_at <= ?%s"
          + " AND o.id = (SELECT MIN(h.id) FROM didomi_outbox h"
          + "   WHERE h.integration = o.integration AND h.user_key = o.user_key AND h.dead = 0)"
          + " ORDER BY o.next_attempt_at LIMIT ?";

  private static final java.util.concurrent.atomic.AtomicLong ARRIVAL = new java.util.concurrent.atomic.AtomicLong();

  private DidomiWrites() {}

  static IngestOutcome ingest(GroupCommitWriter.Session session, ActitoSubscriptionChange change) throws SQLException {
    if (!SqliteConsentStore.storeInInbox(session, change.integration(), "actito:" + change.deliveryKey(),
        WebhookSource.ACTITO, "actito.subscriptions", change.userKey(), change.receivedAtMillis(), change.body())) {
      return IngestOutcome.DUPLICATE;
    }
    ConsentState desired = ConsentState.empty();
    ConsentState acknowledged = ConsentState.empty();
    ConsentState sending = ConsentState.empty();
    PreparedStatement read = session.statement(READ_STATE);
    read.setString(1, change.integration());
    read.setString(2, change.userKey());
    try (ResultSet rs = read.executeQuery()) {
      if (rs.next()) {
        byte[] d = rs.getBytes(1);
        byte[] a = rs.getBytes(2);
        byte[] w = rs.getBytes(3);
        desired = d == null ? desired : ConsentState.decode(d);
        acknowledged = a == null ? acknowledged : ConsentState.decode(a);
        sending = w == null ? sending : ConsentState.decode(w);
      }
    }
    // Per field: a value the user's state already holds needs no write-back (Didomi has it, or it
    // is queued for Didomi); a value the gateway last had Actito acknowledge, or is sending right
    // now (Actito may call back before the gateway hears its answer), is the echo of the gateway's
    // own update. Only what is left is a change made in Actito.
    Map<String, Boolean> real = new TreeMap<>();
    for (Map.Entry<String, Boolean> reported : change.subscriptions().entrySet()) {
      String name = reported.getKey();
      Boolean value = reported.getValue();
      if (!value.equals(desired.subscription(name))
          && !value.equals(acknowledged.subscription(name))
          && !value.equals(sending.subscription(name))) {
        real.put(name, value);
      }
    }
    // Arrival is this change's only time: make it strictly increasing, so two changes of one bulk
    // push (same millisecond) keep their order instead of tying (where an unsubscribe would win).
    long now = ARRIVAL.updateAndGet(last -> Math.max(change.receivedAtMillis(), last + 1));
    if (real.isEmpty()) {
      DispatchWrites.log(session, change.integration(), DispatchWrites.DIDOMI, change.userKey(), now, "echo_ignored", null,
          "Actito reported " + change.subscriptions() + ": what the gateway wrote or already holds");
      return IngestOutcome.ECHO;
    }
    // Actito gives no time of change: it counts at its arrival here (newest wins against Didomi's).
    FieldChanges fields = FieldChanges.ofSubscriptions(change.userKey(), now, real);
    desired.merge(fields);
    acknowledged.overwrite(fields); // Actito holds these values now, whichever wins
    boolean actitoBehind = false;
    for (String name : real.keySet()) {
      actitoBehind |= !real.get(name).equals(desired.subscription(name));
    }
    PreparedStatement write = session.statement(WRITE_STATE);
    write.setString(1, change.integration());
    write.setString(2, change.userKey());
    write.setBytes(3, desired.encode());
    write.setBytes(4, acknowledged.encode());
    DispatchWrites.setNullableLong(write, 5, change.profileId());
    write.setInt(6, actitoBehind ? 1 : 0);
    DispatchWrites.setNullableLong(write, 7, actitoBehind ? now : null);
    DispatchWrites.setNullableLong(write, 8, actitoBehind ? now : null);
    write.setLong(9, now);
    write.executeUpdate();

    PreparedStatement queue = session.statement(QUEUE);
    queue.setString(1, change.integration());
    queue.setString(2, change.userKey());
    queue.setString(3, change.deliveryKey());
    DispatchWrites.setNullableLong(queue, 4, change.profileId());
    queue.setString(5, encode(real));
    queue.setLong(6, now);
    queue.setLong(7, now);
    queue.executeUpdate();
    return IngestOutcome.ACCEPTED;
  }

  /**
   * The subscriptions an Actito change has set that Didomi has not been told yet (live write-backs
   * of the user). A Didomi webhook arriving meanwhile reflects Didomi before that change — its
   * {@code user.updated} repeats every purpose, the old values too, at a newer time — so its values
   * for these fields must not overrule the queued change.
   */
  static java.util.Set<String> pendingSubscriptions(GroupCommitWriter.Session session, String integration, String userKey)
      throws SQLException {
    PreparedStatement select = session.statement(
        "SELECT subscriptions FROM didomi_outbox WHERE integration = ? AND user_key = ? AND dead = 0");
    select.setString(1, integration);
    select.setString(2, userKey);
    java.util.Set<String> names = new java.util.HashSet<>();
    try (ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        names.addAll(decode(rs.getString(1)).keySet());
      }
    }
    return names;
  }

  static List<ClaimedDidomiWrite> claimDue(
      GroupCommitWriter.Session session, String integration, int limit, long leaseMillis, List<String> inFlight)
      throws SQLException {
    long now = System.currentTimeMillis();
    String exclusion = DispatchWrites.notIn("o.user_key", inFlight.size());
    PreparedStatement select = session.statement(String.format(SELECT_DUE, exclusion));
    int p = 1;
    select.setString(p++, integration);
    select.setLong(p++, now);
    for (String userKey : inFlight) {
      select.setString(p++, userKey);
    }
    select.setInt(p, limit);
    List<ClaimedDidomiWrite> claimed = new ArrayList<>();
    try (ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        long profileId = rs.getLong(4);
        Long profile = rs.wasNull() ? null : profileId;
        byte[] desired = rs.getBytes(8);
        claimed.add(new ClaimedDidomiWrite(rs.getLong(1), integration, rs.getString(2), rs.getString(3), profile,
            decode(rs.getString(5)), desired == null ? ConsentState.empty() : ConsentState.decode(desired),
            rs.getInt(6), rs.getLong(7), now));
      }
    }
    PreparedStatement lease = session.statement("UPDATE didomi_outbox SET leased = 1, next_attempt_at = ? WHERE id = ?");
    for (ClaimedDidomiWrite write : claimed) {
      lease.setLong(1, now + leaseMillis);
      lease.setLong(2, write.id());
      lease.executeUpdate();
    }
    return claimed;
  }

  static Void record(GroupCommitWriter.Session session, ClaimedDidomiWrite write, DidomiWriteOutcome outcome)
      throws SQLException {
    long now = System.currentTimeMillis();
    if (outcome instanceof DidomiWriteOutcome.Written written) {
      delete(session, write.id());
      DispatchWrites.log(session, write.integration(), DispatchWrites.DIDOMI, write.userKey(), now, "written", null,
          "event " + written.eventId() + (written.detail() == null ? "" : " (" + written.detail() + ")"));
    } else if (outcome instanceof DidomiWriteOutcome.Superseded superseded) {
      delete(session, write.id());
      DispatchWrites.log(session, write.integration(), DispatchWrites.DIDOMI, write.userKey(), now, "superseded", null,
          superseded.detail());
    } else if (outcome instanceof DidomiWriteOutcome.Retry retry) {
      PreparedStatement reschedule = session.statement(
          "UPDATE didomi_outbox SET attempts = attempts + ?, leased = 0, last_error = ?, next_attempt_at = ? WHERE id = ?");
      reschedule.setInt(1, retry.countsAsAttempt() ? 1 : 0);
      reschedule.setString(2, retry.detail());
      reschedule.setLong(3, retry.nextAttemptMillis());
      reschedule.setLong(4, write.id());
      reschedule.executeUpdate();
      DispatchWrites.log(session, write.integration(), DispatchWrites.DIDOMI, write.userKey(), now,
          retry.countsAsAttempt() ? "retry" : "waiting", null, retry.detail());
    } else if (outcome instanceof DidomiWriteOutcome.Released) {
      // no call was made: the lease ends, the write is due again, nothing else is written
      PreparedStatement release = session.statement(
          "UPDATE didomi_outbox SET leased = 0, next_attempt_at = ? WHERE id = ?");
      release.setLong(1, now);
      release.setLong(2, write.id());
      release.executeUpdate();
    } else if (outcome instanceof DidomiWriteOutcome.DeadLetter dead) {
      PreparedStatement bury = session.statement(
          "UPDATE didomi_outbox SET dead = 1, leased = 0, attempts = attempts + 1, last_error = ? WHERE id = ?");
      bury.setString(1, dead.reason() + ": " + dead.detail());
      bury.setLong(2, write.id());
      bury.executeUpdate();
      DispatchWrites.deadLetter(session, write.integration(), DispatchWrites.DIDOMI, write.userKey(), now, dead.reason(),
          dead.status(), dead.detail(), write.attempts() + 1, null);
      DispatchWrites.log(session, write.integration(), DispatchWrites.DIDOMI, write.userKey(), now, "dead_letter",
          dead.status(), dead.reason() + ": " + dead.detail());
    }
    return null;
  }

  private static void delete(GroupCommitWriter.Session session, long id) throws SQLException {
    PreparedStatement delete = session.statement("DELETE FROM didomi_outbox WHERE id = ?");
    delete.setLong(1, id);
    delete.executeUpdate();
  }

  static String encode(Map<String, Boolean> subscriptions) {
    try {
      return JSON.writeValueAsString(new TreeMap<>(subscriptions));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Map<String, Boolean> decode(String json) {
    try {
      return JSON.readValue(json, SUBSCRIPTIONS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

}
