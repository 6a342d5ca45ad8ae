package io.consentgateway.store.sqlite;

import io.consentgateway.mapping.FieldChanges;
import io.consentgateway.store.InboundWebhook;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The bound on a Didomi stamp ahead of the gateway's clock (docs/design.md §5.1): a change cannot
 * have been made after it first arrived, so a stamp later than its arrival plus the allowance
 * counts at that change's <em>first</em> arrival plus the allowance. The first arrival is kept per
 * person, change source (type and event id) and original stamp, so that a redelivery — even one
 * that is not byte-identical, and so not a duplicate — counts no later than the first delivery did
 * and cannot overtake a choice made in between. Rows exist only for such stamps (rare) and go with
 * retention and erasure.
 */
final class ClockAheadStamps {

  private static final String REMEMBER =
      "INSERT OR IGNORE INTO didomi_clock_ahead (integration, user_key, source, stamp, version, first_arrival)"
          + " VALUES (?, ?, ?, ?, ?, ?)";

  private static final String FIRST_ARRIVAL =
      "SELECT first_arrival FROM didomi_clock_ahead"
          + " WHERE integration = ? AND user_key = ? AND source = ? AND stamp = ? AND version = ?";

  private ClockAheadStamps() {}

  /** The webhook's changes, their stamp bounded as above; the changes themselves when no bound applies. */
  static FieldChanges bounded(GroupCommitWriter.Session session, InboundWebhook webhook) throws SQLException {
    FieldChanges changes = webhook.changes();
    long allowance = webhook.maxClockAheadMillis();
    if (allowance == InboundWebhook.NO_CLOCK_AHEAD_LIMIT
        || Math.max(changes.timestampMillis(), changes.observedMillis()) <= webhook.receivedAtMillis() + allowance) {
      return changes;
    }
    String source = webhook.type() + ':' + (webhook.didomiEventId() == null ? "" : webhook.didomiEventId());
    PreparedStatement remember = session.statement(REMEMBER);
    remember.setString(1, webhook.integration());
    remember.setString(2, webhook.userKey());
    remember.setString(3, source);
    remember.setLong(4, changes.timestampMillis());
    remember.setLong(5, changes.version());
    remember.setLong(6, webhook.receivedAtMillis());
    remember.executeUpdate();
    PreparedStatement first = session.statement(FIRST_ARRIVAL);
    first.setString(1, webhook.integration());
    first.setString(2, webhook.userKey());
    first.setString(3, source);
    first.setLong(4, changes.timestampMillis());
    first.setLong(5, changes.version());
    long firstArrival = webhook.receivedAtMillis();
    try (ResultSet rs = first.executeQuery()) {
      if (rs.next()) {
        firstArrival = Math.min(firstArrival, rs.getLong(1));
      }
    }
    return changes.notLaterThan(firstArrival + allowance);
  }
}
