package io.consentgateway.store.sqlite;

import io.consentgateway.webhook.ActitoWebhookParser;
import io.consentgateway.webhook.DidomiWebhookParser;
import io.consentgateway.webhook.InvalidWebhookException;
import io.consentgateway.store.WebhookSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates and upgrades the store's tables; versioned with {@code PRAGMA user_version}. */
final class SqliteSchema {

  private static final Logger log = LoggerFactory.getLogger(SqliteSchema.class);

  static final int VERSION = 9;

  private SqliteSchema() {}

  /**
   * Version 3: a dead letter can hold one refused field of a user (the rest of the user's changes
   * go on); users remember their recent writes to Actito, so a late echo is not taken for a
   * change; write-backs to Didomi are kept once written, until their echo has come back, and can
   * wait for Actito to be read before they count.
   */
  private static void fieldLevelOutcomes(Statement statement) throws SQLException {
    statement.execute("ALTER TABLE user_state ADD COLUMN recent_writes TEXT");
    statement.execute("""
        CREATE TABLE dead_letter_v3 (
          integration TEXT    NOT NULL,
          direction   TEXT    NOT NULL,
          user_key    TEXT    NOT NULL,
          field       TEXT    NOT NULL DEFAULT '',
          value       TEXT,
          created_at  INTEGER NOT NULL,
          reason      TEXT    NOT NULL,
          status      INTEGER,
          detail      TEXT,
          attempts    INTEGER NOT NULL,
          state       BLOB,
          discarded   INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (integration, direction, user_key, field)
        )""");
    statement.execute("""
        INSERT INTO dead_letter_v3 (integration, direction, user_key, created_at, reason, status, detail, attempts, state)
        SELECT integration, direction, user_key, created_at, reason, status, detail, attempts, state FROM dead_letter""");
    statement.execute("DROP TABLE dead_letter");
    statement.execute("ALTER TABLE dead_letter_v3 RENAME TO dead_letter");
    statement.execute("ALTER TABLE didomi_outbox ADD COLUMN verify INTEGER NOT NULL DEFAULT 0");
    statement.execute("ALTER TABLE didomi_outbox ADD COLUMN done INTEGER NOT NULL DEFAULT 0");
    statement.execute("ALTER TABLE didomi_outbox ADD COLUMN written_at INTEGER");
    statement.execute("ALTER TABLE didomi_outbox ADD COLUMN echoed TEXT");
    statement.execute("DROP INDEX didomi_outbox_due");
    statement.execute(
        "CREATE INDEX didomi_outbox_due ON didomi_outbox (integration, next_attempt_at) WHERE dead = 0 AND done = 0");
  }

  static void migrate(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      int version;
      try (var rs = statement.executeQuery("PRAGMA user_version")) {
        version = rs.next() ? rs.getInt(1) : 0;
      }
      if (version > VERSION) {
        throw new SQLException("store schema version " + version + " is newer than this build understands (" + VERSION + ")");
      }
      if (version < 1) {
        // Every webhook ever accepted, raw, for idempotency (unique key), audit and replay.
        statement.execute("""
            CREATE TABLE webhook_inbox (
              id          INTEGER PRIMARY KEY,
              integration TEXT    NOT NULL,
              dedup_key   TEXT    NOT NULL,
              source      TEXT    NOT NULL,
              type        TEXT    NOT NULL,
              user_key    TEXT    NOT NULL,
              received_at INTEGER NOT NULL,
              body        BLOB    NOT NULL,
              UNIQUE (integration, dedup_key)
            )""");
        statement.execute("CREATE INDEX webhook_inbox_user ON webhook_inbox (integration, user_key, received_at)");
        // One row per known user: merged state, what Actito acknowledged, and the retry schedule.
        // dirty_since IS NOT NULL marks a user with changes not yet sent.
        statement.execute("""
            CREATE TABLE user_state (
              integration     TEXT    NOT NULL,
              user_key        TEXT    NOT NULL,
              desired         BLOB,
              acknowledged    BLOB,
              sending         BLOB,
              profile_id      INTEGER,
              pending_changes INTEGER NOT NULL DEFAULT 0,
              dirty_since     INTEGER,
              next_attempt_at INTEGER,
              attempts        INTEGER NOT NULL DEFAULT 0,
              last_error      TEXT,
              leased          INTEGER NOT NULL DEFAULT 0,
              dead_lettered   INTEGER NOT NULL DEFAULT 0,
              updated_at      INTEGER NOT NULL,
              PRIMARY KEY (integration, user_key)
            )""");
        statement.execute(
            "CREATE INDEX user_state_due ON user_state (integration, next_attempt_at) WHERE dirty_since IS NOT NULL");
        // Changes that gave up: kept until replayed or discarded by an operator.
        statement.execute("""
            CREATE TABLE dead_letter (
              integration TEXT    NOT NULL,
              direction   TEXT    NOT NULL,
              user_key    TEXT    NOT NULL,
              created_at  INTEGER NOT NULL,
              reason      TEXT    NOT NULL,
              status      INTEGER,
              detail      TEXT,
              attempts    INTEGER NOT NULL,
              state       BLOB,
              PRIMARY KEY (integration, direction, user_key)
            )""");
        // Every dispatch attempt and its outcome: the user's history for the operator API.
        statement.execute("""
            CREATE TABLE dispatch_log (
              id          INTEGER PRIMARY KEY,
              integration TEXT    NOT NULL,
              direction   TEXT    NOT NULL,
              user_key    TEXT    NOT NULL,
              at          INTEGER NOT NULL,
              outcome     TEXT    NOT NULL,
              status      INTEGER,
              detail      TEXT
            )""");
        statement.execute("CREATE INDEX dispatch_log_user ON dispatch_log (integration, user_key, at)");
        // Actito subscription changes to write back to Didomi, in arrival order per user.
        statement.execute("""
            CREATE TABLE didomi_outbox (
              id              INTEGER PRIMARY KEY,
              integration     TEXT    NOT NULL,
              user_key        TEXT    NOT NULL,
              delivery_key    TEXT    NOT NULL,
              profile_id      INTEGER,
              subscriptions   TEXT    NOT NULL,
              created_at      INTEGER NOT NULL,
              next_attempt_at INTEGER NOT NULL,
              attempts        INTEGER NOT NULL DEFAULT 0,
              last_error      TEXT,
              leased          INTEGER NOT NULL DEFAULT 0,
              dead            INTEGER NOT NULL DEFAULT 0
            )""");
        statement.execute("CREATE INDEX didomi_outbox_user ON didomi_outbox (integration, user_key, id)");
        statement.execute("CREATE INDEX didomi_outbox_due ON didomi_outbox (integration, next_attempt_at) WHERE dead = 0");
        statement.execute("""
            CREATE TABLE integration_state (
              integration     TEXT PRIMARY KEY,
              paused          INTEGER NOT NULL DEFAULT 0,
              last_success_at INTEGER
            )""");
        statement.execute("PRAGMA user_version = 1");
      }
      if (version < 2) {
        rekeyInbox(connection);
        statement.execute("PRAGMA user_version = 2");
      }
      if (version < 3) {
        fieldLevelOutcomes(statement);
        statement.execute("PRAGMA user_version = 3");
      }
      if (version < 4) {
        // a user.deleted under onUserDeleted: unsubscribeAllAndErase: erase once Actito has it
        statement.execute("ALTER TABLE user_state ADD COLUMN erase_after_delivery INTEGER NOT NULL DEFAULT 0");
        // an erased user, by a digest of its key only, for the echo window: Actito's echo of the
        // gateway's last write must not bring the person back
        statement.execute("""
            CREATE TABLE erased_user (
              integration TEXT    NOT NULL,
              key_digest  TEXT    NOT NULL,
              erased_at   INTEGER NOT NULL,
              PRIMARY KEY (integration, key_digest)
            )""");
        statement.execute("PRAGMA user_version = 4");
      }
      if (version < 5) {
        createBlockedTime(statement);
        statement.execute("PRAGMA user_version = 5");
      }
      if (version < 6) {
        // when each licence's recent calls started: a restart keeps counting the current minute
        statement.execute("CREATE TABLE licence_call (scope TEXT NOT NULL, started_at INTEGER NOT NULL)");
        statement.execute("CREATE INDEX licence_call_scope ON licence_call (scope, started_at)");
        // the id of the Didomi event a write-back wrote: only a webhook about that event is its echo
        statement.execute("ALTER TABLE didomi_outbox ADD COLUMN event_id TEXT");
        statement.execute("PRAGMA user_version = 6");
      }
      if (version < 7) {
        // the first arrival of a Didomi change stamped ahead of the gateway's clock (ClockAheadStamps)
        statement.execute("""
            CREATE TABLE didomi_clock_ahead (
              id            INTEGER PRIMARY KEY,
              integration   TEXT    NOT NULL,
              user_key      TEXT    NOT NULL,
              source        TEXT    NOT NULL,
              stamp         INTEGER NOT NULL,
              version       INTEGER NOT NULL,
              first_arrival INTEGER NOT NULL,
              UNIQUE (integration, user_key, source, stamp, version)
            )""");
        statement.execute("CREATE INDEX didomi_clock_ahead_arrival ON didomi_clock_ahead (first_arrival)");
        statement.execute("PRAGMA user_version = 7");
      }
      if (version < 8) {
        // when a user whose last write's fate is unknown gets its whole state sent again (in doubt)
        statement.execute("ALTER TABLE user_state ADD COLUMN recheck_at INTEGER");
        statement.execute(
            "CREATE INDEX user_state_recheck ON user_state (integration, recheck_at) WHERE recheck_at IS NOT NULL");
        statement.execute("PRAGMA user_version = 8");
      }
      if (version < 9) {
        // the bulk lane: executions of Actito's triggered ETL and the claims they hold
        BulkWrites.createTables(statement);
        statement.execute("PRAGMA user_version = 9");
      }
      connection.commit();
    }
  }

  /**
   * Version 2's delivery keys (docs/design.md, guarantee 2: two distinct changes never share one) for every
   * webhook already in the inbox, recomputed from its stored body as today's parsers key it, so
   * that a redelivery of a webhook stored before the upgrade is still a duplicate after it. An
   * Actito row takes its profile's index from its old key ({@code actito:<webhookId>:<index>}) and
   * its user key from the row. A body that no longer parses keeps its old key (its redelivery
   * would be refused anyway), and so does a row whose new key another row already holds.
   */
  private static void rekeyInbox(Connection connection) throws SQLException {
    DidomiWebhookParser didomi = new DidomiWebhookParser();
    int rekeyed = 0;
    int kept = 0;
    long after = 0;
    // a page at a time, read before it is written: SQLite leaves a scan over rows it updates undefined
    try (PreparedStatement page = connection.prepareStatement(
            "SELECT id, source, dedup_key, user_key, body FROM webhook_inbox WHERE id > ? ORDER BY id LIMIT 500");
        PreparedStatement update = connection.prepareStatement(
            "UPDATE OR IGNORE webhook_inbox SET dedup_key = ? WHERE id = ?")) {
      while (true) {
        page.setLong(1, after);
        List<InboxRow> rows = new ArrayList<>();
        try (ResultSet rs = page.executeQuery()) {
          while (rs.next()) {
            rows.add(new InboxRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getBytes(5)));
          }
        }
        if (rows.isEmpty()) {
          break;
        }
        for (InboxRow row : rows) {
          after = row.id();
          String key = versionTwoKey(didomi, row);
          if (key == null) {
            kept++;
            continue;
          }
          update.setString(1, key);
          update.setLong(2, after);
          if (update.executeUpdate() == 1) {
            rekeyed++;
          } else {
            kept++;
          }
        }
      }
    }
    if (rekeyed + kept > 0) {
      log.info("store schema 2: {} inbox delivery keys recomputed, {} kept as they were", rekeyed, kept);
    }
  }

  private record InboxRow(long id, String source, String dedupKey, String userKey, byte[] body) {}

  /** The version-2 key of one inbox row; null when it cannot be computed. */
  private static String versionTwoKey(DidomiWebhookParser didomi, InboxRow row) {
    try {
      if (WebhookSource.DIDOMI.name().equals(row.source())) {
        return didomi.parse(row.body()).dedupKey();
      }
      // DidomiWrites stores an Actito change under "actito:" + its delivery key
      if (WebhookSource.ACTITO.name().equals(row.source()) && row.dedupKey().startsWith("actito:")) {
        int index = Integer.parseInt(row.dedupKey().substring(row.dedupKey().lastIndexOf(':') + 1));
        return "actito:" + ActitoWebhookParser.deliveryKeyOf(row.body(), index, row.userKey());
      }
    } catch (InvalidWebhookException | NumberFormatException e) {
      // kept under its old key
    }
    return null;
  }

  // When no call could be made (a licence blocked, the gateway down): the give-up age leaves it out.
  private static void createBlockedTime(Statement statement) throws SQLException {
    statement.execute("""
        CREATE TABLE blocked_time (
          id         INTEGER PRIMARY KEY,
          scope      TEXT    NOT NULL,
          reason     TEXT    NOT NULL,
          started_at INTEGER NOT NULL,
          ended_at   INTEGER
        )""");
    statement.execute("CREATE INDEX blocked_time_ended ON blocked_time (ended_at)");
    // the running gateway's heartbeat: the gap before the next start is downtime
    statement.execute("CREATE TABLE gateway_alive (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)");
  }
}
