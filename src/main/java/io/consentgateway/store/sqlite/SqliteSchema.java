package io.consentgateway.store.sqlite;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Creates and upgrades the store's tables; versioned with {@code PRAGMA user_version}. */
final class SqliteSchema {

  static final int VERSION = 2;

  private SqliteSchema() {}

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
        createBlockedTime(statement);
        statement.execute("PRAGMA user_version = 2");
      }
      connection.commit();
    }
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
