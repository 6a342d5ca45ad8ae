package io.consentgateway.store.sqlite;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.consentgateway.mapping.ActitoReportRules;
import io.consentgateway.mapping.ActitoReports;
import io.consentgateway.mapping.ConsentState;
import io.consentgateway.mapping.FieldChanges;
import io.consentgateway.mapping.WriteBackRules;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bidirectional flow's writes, on the writer thread: an Actito subscription change judged by
 * {@link ActitoReportRules} (an echo of the gateway's own write, a change made in Actito, or one
 * to check against Actito first), merged into the user's state and queued for Didomi; the Didomi
 * write-back queue's leases and outcomes; and, for Didomi webhooks, the values that only echo a
 * write-back ({@link WriteBackRules}).
 */
final class DidomiWrites {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<TreeMap<String, Boolean>> SUBSCRIPTIONS = new TypeReference<>() {};
  private static final TypeReference<TreeSet<String>> NAMES = new TypeReference<>() {};

  private static final String READ_STATE =
      "SELECT desired, acknowledged, sending, recent_writes FROM user_state WHERE integration = ? AND user_key = ?";

  private static final String WRITE_STATE =
      "INSERT INTO user_state (integration, user_key, desired, acknowledged, recent_writes, profile_id, pending_changes,"
          + " dirty_since, next_attempt_at, attempts, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)"
          + " ON CONFLICT (integration, user_key) DO UPDATE SET"
          + "   desired = excluded.desired, acknowledged = excluded.acknowledged, recent_writes = excluded.recent_writes,"
          + "   profile_id = COALESCE(excluded.profile_id, profile_id),"
          + "   pending_changes = pending_changes + excluded.pending_changes,"
          + "   dirty_since = CASE WHEN excluded.pending_changes > 0 THEN COALESCE(dirty_since, excluded.dirty_since) ELSE dirty_since END,"
          + "   next_attempt_at = CASE WHEN excluded.pending_changes > 0 THEN COALESCE(next_attempt_at, excluded.next_attempt_at)"
          + "     ELSE next_attempt_at END,"
          + "   updated_at = excluded.updated_at";

  private static final String QUEUE =
      "INSERT INTO didomi_outbox (integration, user_key, delivery_key, profile_id, subscriptions, created_at, next_attempt_at,"
          + " verify) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

  // Only the oldest live write of each user is due: per-user order. A write-back to verify waits
  // until no Actito call of the user is in flight, so that reading Actito tells what it holds after it.
  private static final String SELECT_DUE =
      "SELECT o.id, o.user_key, o.delivery_key, o.profile_id, o.subscriptions, o.attempts, o.created_at, u.desired, o.verify"
          + " FROM didomi_outbox o LEFT JOIN user_state u ON u.integration = o.integration AND u.user_key = o.user_key"
          + " WHERE o.integration = ? AND o.dead = 0 AND o.done = 0 AND o.next_attempt_at <= ?%s"
          // a report is checked against Actito with no write of the user in flight, nor in doubt: a
          // write in doubt may land late and look like a change made in Actito until it is re-sent
          + " AND (o.verify = 0 OR (COALESCE(u.leased, 0) = 0 AND u.recheck_at IS NULL))"
          + " AND o.id = (SELECT MIN(h.id) FROM didomi_outbox h"
          + "   WHERE h.integration = o.integration AND h.user_key = o.user_key AND h.dead = 0 AND h.done = 0)"
          + " ORDER BY o.next_attempt_at LIMIT ?";

  // write-backs whose echo may still come back: in flight (leased) or written within the window
  private static final String SENT =
      "SELECT id, subscriptions, echoed, written_at, event_id FROM didomi_outbox WHERE integration = ? AND user_key = ?"
          + " AND dead = 0 AND verify = 0 AND (leased <> 0 OR (done = 1 AND written_at >= ?)) ORDER BY id";

  private static final String FORGET_OLD =
      "DELETE FROM didomi_outbox WHERE integration = ? AND user_key = ? AND done = 1 AND COALESCE(written_at, created_at) < ?";

  // Arrival is an Actito change's only time: strictly increasing, so that two changes of one bulk
  // push (same millisecond) keep their order instead of tying (where an unsubscribe would win).
  private static final AtomicLong ARRIVAL = new AtomicLong();

  private DidomiWrites() {}

  private static ActitoReports.User read(GroupCommitWriter.Session session, String integration, String userKey)
      throws SQLException {
    PreparedStatement read = session.statement(READ_STATE);
    read.setString(1, integration);
    read.setString(2, userKey);
    try (ResultSet rs = read.executeQuery()) {
      if (!rs.next()) {
        return ActitoReports.User.empty();
      }
      return new ActitoReports.User(state(rs.getBytes(1)), state(rs.getBytes(2)), state(rs.getBytes(3)),
          RecentWritesCodec.decode(rs.getString(4)));
    }
  }

  private static ConsentState state(byte[] encoded) {
    return encoded == null ? ConsentState.empty() : ConsentStateCodec.decode(encoded);
  }

  static IngestOutcome ingest(GroupCommitWriter.Session session, ActitoSubscriptionChange change) throws SQLException {
    if (UserErasure.recentlyErased(session, change.integration(), change.userKey(), change.receivedAtMillis())) {
      return IngestOutcome.ECHO; // the person was just forgotten: its own echo must not bring it back
    }
    if (!SqliteConsentStore.storeInInbox(session, change.integration(), "actito:" + change.deliveryKey(),
        WebhookSource.ACTITO, "actito.subscriptions", change.userKey(), change.receivedAtMillis(), change.body())) {
      return IngestOutcome.DUPLICATE;
    }
    ActitoReports.User user = read(session, change.integration(), change.userKey());
    long now = ARRIVAL.updateAndGet(last -> Math.max(change.receivedAtMillis(), last + 1));
    Set<String> beingChecked = new HashSet<>();
    for (ActitoReports.Check check : pendingChecks(session, change.integration(), change.userKey())) {
      beingChecked.addAll(check.subscriptions().keySet());
    }
    ActitoReports.Received received = ActitoReports.receive(change.userKey(), change.subscriptions(), user, now,
        beingChecked, change.facts());
    if (!received.echoes().isEmpty()) {
      DispatchWrites.log(session, change.integration(), DispatchWrites.DIDOMI, change.userKey(), now, "echo_ignored", null,
          "Actito reported " + received.echoes() + ": what the gateway wrote or already holds");
    }
    if (received.onlyEchoes()) {
      return IngestOutcome.ECHO;
    }
    if (!received.overtaken().isEmpty()) {
      DispatchWrites.log(session, change.integration(), DispatchWrites.DIDOMI, change.userKey(), now, "overtaken", null,
          "Actito reported " + received.overtaken() + ", older than the user's newest change in Didomi: not written back");
    }
    writeState(session, change.integration(), change.userKey(), user, change.profileId(), received.actitoBehind(), now);
    if (!received.winners().isEmpty()) {
      queue(session, change, received.winners(), now, false);
    }
    if (!received.uncertain().isEmpty()) {
      queue(session, change, received.uncertain(), now, true);
      DispatchWrites.log(session, change.integration(), DispatchWrites.DIDOMI, change.userKey(), now, "to_verify", null,
          "Actito reported " + received.uncertain()
              + ", which a write of the gateway may have caused: read Actito before it counts");
    }
    return IngestOutcome.ACCEPTED;
  }

  private static void writeState(GroupCommitWriter.Session session, String integration, String userKey,
      ActitoReports.User user, Long profileId, boolean actitoBehind, long now) throws SQLException {
    PreparedStatement write = session.statement(WRITE_STATE);
    write.setString(1, integration);
    write.setString(2, userKey);
    write.setBytes(3, user.desired().isEmpty() ? null : ConsentStateCodec.encode(user.desired()));
    write.setBytes(4, user.acknowledged().isEmpty() ? null : ConsentStateCodec.encode(user.acknowledged()));
    write.setString(5, RecentWritesCodec.encode(user.recent()));
    DispatchWrites.setNullableLong(write, 6, profileId);
    write.setInt(7, actitoBehind ? 1 : 0);
    DispatchWrites.setNullableLong(write, 8, actitoBehind ? now : null);
    DispatchWrites.setNullableLong(write, 9, actitoBehind ? now : null);
    write.setLong(10, now);
    write.executeUpdate();
  }

  private static void queue(GroupCommitWriter.Session session, ActitoSubscriptionChange change,
      Map<String, Boolean> subscriptions, long now, boolean verify) throws SQLException {
    PreparedStatement queue = session.statement(QUEUE);
    queue.setString(1, change.integration());
    queue.setString(2, change.userKey());
    queue.setString(3, verify ? change.deliveryKey() + "#verify" : change.deliveryKey());
    DispatchWrites.setNullableLong(queue, 4, change.profileId());
    queue.setString(5, encode(subscriptions));
    queue.setLong(6, now);
    queue.setLong(7, now);
    queue.setInt(8, verify ? 1 : 0);
    queue.executeUpdate();
  }

  /**
   * The Didomi webhook's {@code changes} less the subscriptions that only echo one of the user's
   * write-backs in flight or just written: each echoed field is marked, so that it echoes once.
   */
  static FieldChanges withoutEchoes(GroupCommitWriter.Session session, String integration, String userKey,
      FieldChanges changes, String didomiEventId, long nowMillis) throws SQLException {
    if (changes.subscriptionCount() == 0 && changes.gateCount() == 0) {
      return changes;
    }
    PreparedStatement forget = session.statement(FORGET_OLD);
    forget.setString(1, integration);
    forget.setString(2, userKey);
    forget.setLong(3, nowMillis - WriteBackRules.ECHO_WINDOW_MILLIS);
    forget.executeUpdate();
    PreparedStatement select = session.statement(SENT);
    select.setString(1, integration);
    select.setString(2, userKey);
    select.setLong(3, nowMillis - WriteBackRules.DIDOMI_ECHO_WINDOW_MILLIS);
    List<WriteBackRules.Sent> sent = new ArrayList<>();
    try (ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        String echoed = rs.getString(3);
        sent.add(new WriteBackRules.Sent(rs.getLong(1), decode(rs.getString(2)),
            echoed == null ? Set.of() : decodeNames(echoed), OperatorQueries.nullableLong(rs, 4), rs.getString(5)));
      }
    }
    if (sent.isEmpty()) {
      return changes;
    }
    WriteBackRules.Echoes echoes = WriteBackRules.echoesOf(changes, didomiEventId, sent);
    if (echoes.dropped().isEmpty()) {
      return changes;
    }
    PreparedStatement mark = session.statement("UPDATE didomi_outbox SET echoed = ? WHERE id = ?");
    for (Map.Entry<Long, Set<String>> marked : echoes.echoedAfter().entrySet()) {
      mark.setString(1, encodeNames(marked.getValue()));
      mark.setLong(2, marked.getKey());
      mark.executeUpdate();
    }
    Set<String> dropped = echoes.dropped();
    DispatchWrites.log(session, integration, DispatchWrites.DIDOMI, userKey, nowMillis, "echo_ignored", null,
        "Didomi reported " + new TreeSet<>(dropped) + ": the echo of the gateway's write-back");
    return changes.withoutSubscriptions(dropped);
  }

  static List<ClaimedDidomiWrite> claimDue(
      GroupCommitWriter.Session session, String integration, int limit, long leaseMillis, List<String> inFlight,
      long now) throws SQLException {
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
        Long profile = OperatorQueries.nullableLong(rs, 4);
        byte[] desired = rs.getBytes(8);
        claimed.add(new ClaimedDidomiWrite(rs.getLong(1), integration, rs.getString(2), rs.getString(3), profile,
            decode(rs.getString(5)), desired == null ? ConsentState.empty() : ConsentStateCodec.decode(desired),
            rs.getInt(6), rs.getLong(7), now, rs.getInt(9) != 0, Leases.next()));
      }
    }
    PreparedStatement lease = session.statement("UPDATE didomi_outbox SET leased = ?, next_attempt_at = ? WHERE id = ?");
    for (ClaimedDidomiWrite write : claimed) {
      lease.setLong(1, write.lease().token());
      lease.setLong(2, now + leaseMillis);
      lease.setLong(3, write.id());
      lease.executeUpdate();
    }
    return claimed;
  }

  static Void record(GroupCommitWriter.Session session, ClaimedDidomiWrite write, DidomiWriteOutcome outcome, long now)
      throws SQLException {
    PreparedStatement leased = session.statement("SELECT 1 FROM didomi_outbox WHERE id = ? AND leased = ?");
    leased.setLong(1, write.id());
    leased.setLong(2, write.lease().token());
    try (ResultSet rs = leased.executeQuery()) {
      if (!rs.next()) {
        return null; // erased, released or claimed again meanwhile: this outcome is not the current lease's
      }
    }
    if (outcome instanceof DidomiWriteOutcome.Written written) {
      // kept until its echo came back from Didomi (or the echo window passed), with what it wrote:
      // only those values, and for an event webhook only its own event id, can be its echo
      PreparedStatement done = session.statement("UPDATE didomi_outbox SET done = 1, leased = 0, written_at = ?,"
          + " last_error = NULL, subscriptions = ?, event_id = ? WHERE id = ?");
      done.setLong(1, now);
      done.setString(2, encode(written.represents()));
      done.setString(3, written.eventId());
      done.setLong(4, write.id());
      done.executeUpdate();
      DispatchWrites.log(session, write.integration(), DispatchWrites.DIDOMI, write.userKey(), now, "written", null,
          "event " + written.eventId() + (written.detail() == null ? "" : " (" + written.detail() + ")"));
    } else if (outcome instanceof DidomiWriteOutcome.Checked checked) {
      settleVerification(session, write, checked, now);
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

  /** The user's reports waiting for Actito to be read before they count, oldest first. */
  private static List<ActitoReports.Check> pendingChecks(GroupCommitWriter.Session session, String integration,
      String userKey) throws SQLException {
    PreparedStatement select = session.statement("SELECT id, subscriptions, created_at FROM didomi_outbox"
        + " WHERE integration = ? AND user_key = ? AND verify = 1 AND dead = 0 AND done = 0 ORDER BY id");
    select.setString(1, integration);
    select.setString(2, userKey);
    List<ActitoReports.Check> checks = new ArrayList<>();
    try (ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        checks.add(new ActitoReports.Check(rs.getLong(1), decode(rs.getString(2)), rs.getLong(3)));
      }
    }
    return checks;
  }

  /** Settles every report of the user waiting for its check ({@link ActitoReports#settleChecks}). */
  private static void settleVerification(GroupCommitWriter.Session session, ClaimedDidomiWrite write,
      DidomiWriteOutcome.Checked checked, long now) throws SQLException {
    Map<String, Boolean> held = checked.held();
    ActitoReports.User user = read(session, write.integration(), write.userKey());
    List<ActitoReports.Check> checks = pendingChecks(session, write.integration(), write.userKey());
    ActitoReports.Settled settled = ActitoReports.settleChecks(write.userKey(), user, checks, held, now,
        checked.facts());
    for (Map<String, Boolean> dropped : settled.dropped().values()) {
      DispatchWrites.log(session, write.integration(), DispatchWrites.DIDOMI, write.userKey(), now, "echo_ignored", null,
          "Actito reported " + dropped + " but holds " + settled.known() + ": the echo of an earlier write, not written back");
    }
    writeState(session, write.integration(), write.userKey(), user, null, settled.actitoBehind(), now);
    PreparedStatement go = session.statement("UPDATE didomi_outbox SET verify = 0, leased = 0, subscriptions = ?,"
        + " next_attempt_at = ? WHERE id = ?");
    for (Map.Entry<Long, Map<String, Boolean>> check : settled.winners().entrySet()) {
      Map<String, Boolean> winners = check.getValue();
      if (winners.isEmpty()) {
        delete(session, check.getKey());
        continue;
      }
      go.setString(1, encode(winners));
      go.setLong(2, now);
      go.setLong(3, check.getKey());
      go.executeUpdate();
      DispatchWrites.log(session, write.integration(), DispatchWrites.DIDOMI, write.userKey(), now, "verified", null,
          "Actito holds " + settled.known() + ": " + winners + " is a change made in Actito");
    }
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

  private static String encodeNames(Set<String> names) {
    try {
      return JSON.writeValueAsString(new TreeSet<>(names));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Set<String> decodeNames(String json) {
    try {
      return JSON.readValue(json, NAMES);
    } catch (IOException e) {
      return Set.of();
    }
  }
}
