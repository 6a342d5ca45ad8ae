package io.consentgateway.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.webhook.ActitoWebhookParser;
import io.consentgateway.webhook.DidomiWebhookParser;
import io.consentgateway.support.Examples;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.TestConfig;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema version 2 on a store file written by a version-1 build: the inbox's delivery keys are
 * recomputed from the stored bodies, so a redelivery of a webhook stored before the upgrade is
 * still recognised after it.
 */
class SqliteSchemaMigrationTest {

  private static final String ANONYMOUS_EVENT = """
      {"type":"event.created","parameters":{"entity":{"organization_id":"acme-org",
        "created_at":"2026-11-20T09:00:00Z","updated_at":"2026-11-20T09:00:00Z","status":"confirmed",
        "user":{"organization_user_id":"ann.martin@example.com"},"consents":{"purposes":[{"id":"newsletter","enabled":true}]}}}}""";
  // accepted by version 1, refused today: its key cannot be recomputed
  private static final String SURROGATE_KEY_EVENT = """
      {"type":"event.created","parameters":{"entity":{"id":"e-old","organization_id":"acme-org",
        "created_at":"2026-11-20T09:00:00Z","status":"confirmed",
        "user":{"organization_user_id":"\\ud800"},"consents":{"purposes":[]}}}}""";
  private static final String BULK_ID = "d2e4f6a8-0b1c-4d3e-9f5a-7b9c1d3e5f22";

  @TempDir Path dir;

  @Test
  void versionOneInboxIsRekeyedFromTheStoredBodies() throws Exception {
    // given a version-1 file holding webhooks under their version-1 keys
    Path file = dir.resolve("gateway.db");
    writeVersionOneStore(file);
    // when the schema is migrated
    try (Connection connection = SqliteConsentStore.connect(file)) {
      SqliteSchema.migrate(connection);
    }
    // then it is the current version and every key is the one today's parsers give the stored body
    DidomiWebhookParser didomi = new DidomiWebhookParser();
    ActitoWebhookParser actito = new ActitoWebhookParser("customerId");
    assertThat(userVersion(file)).isEqualTo(SqliteSchema.VERSION);
    assertThat(keyOf(file, 1)).isEqualTo(didomi.parse(utf8(ANONYMOUS_EVENT)).dedupKey())
        .isNotEqualTo("event.created:-:0:" + at("2026-11-20T09:00:00Z") + ":confirmed");
    assertThat(keyOf(file, 2)).isEqualTo(didomi.parse(Examples.didomi("user.updated.json")).dedupKey())
        .isNotEqualTo("user.updated:chg-5c71d09a");
    assertThat(keyOf(file, 3))
        .isEqualTo("actito:" + actito.parse(Examples.actito("updated-subscription.bulk.json")).changes().get(1).deliveryKey())
        .isNotEqualTo("actito:" + BULK_ID + ":1");
    // and a body that no longer parses keeps its old key
    assertThat(keyOf(file, 4)).isEqualTo("event.created:e-old:0:" + at("2026-11-20T09:00:00Z") + ":confirmed");
    assertThat(keyOf(file, 5)).isEqualTo("actito:broken:0");
  }

  @Test
  void migrationRunsOnceAndLeavesAMigratedFileAlone() throws Exception {
    Path file = dir.resolve("gateway.db");
    writeVersionOneStore(file);
    try (Connection connection = SqliteConsentStore.connect(file)) {
      SqliteSchema.migrate(connection);
    }
    String migrated = keyOf(file, 1);

    try (Connection connection = SqliteConsentStore.connect(file)) {
      SqliteSchema.migrate(connection);
    }

    assertThat(userVersion(file)).isEqualTo(SqliteSchema.VERSION);
    assertThat(keyOf(file, 1)).isEqualTo(migrated);
  }

  @Test
  void deadLettersAndWriteBacksOfAVersionOneFileSurviveAsWholeUserLettersAndQueuedWrites() throws Exception {
    Path file = dir.resolve("gateway.db");
    writeVersionOneStore(file);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath()); Statement s = c.createStatement()) {
      s.execute("INSERT INTO dead_letter (integration, direction, user_key, created_at, reason, status, detail, attempts)"
          + " VALUES ('acme', 'actito', 'ann', 5, 'rejected', 400, 'no', 3)");
      s.execute("INSERT INTO didomi_outbox (integration, user_key, delivery_key, subscriptions, created_at, next_attempt_at)"
          + " VALUES ('acme', 'bob', 'hook:0', '{\"Newsletter\":false}', 7, 7)");
    }

    try (Connection connection = SqliteConsentStore.connect(file)) {
      SqliteSchema.migrate(connection);
    }

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath()); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT field, reason, status, attempts, discarded FROM dead_letter WHERE user_key = 'ann'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEmpty(); // a whole user's letter, as before
        assertThat(rs.getString(2)).isEqualTo("rejected");
        assertThat(rs.getInt(3)).isEqualTo(400);
        assertThat(rs.getInt(4)).isEqualTo(3);
        assertThat(rs.getInt(5)).isZero();
      }
      try (ResultSet rs = s.executeQuery("SELECT verify, done, written_at FROM didomi_outbox WHERE user_key = 'bob'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isZero();
        assertThat(rs.getInt(2)).isZero(); // still queued
        assertThat(rs.getObject(3)).isNull();
      }
    }
  }

  @Test
  void redeliveryOfAWebhookStoredBeforeTheUpgradeIsStillADuplicate() {
    // given a version-1 file, opened by today's gateway
    TestConfig config = new TestConfig(dir).integrationExtras("""
        bidirectional:
          enabled: true
          webhookSecret: secret
          didomiApi: { baseUrl: "sandbox:0" }
        """);
    writeVersionOneStore(config.storePath());
    Gateway gateway = Gateway.start(config.load());
    try {
      gateway.dispatch("acme").paused(true);
      GatewayHttp http = new GatewayHttp(gateway.ingestPort());
      String token = http.token();
      // when the webhooks stored before the upgrade come again
      var didomi = http.postDidomi("acme", token, Examples.didomi("user.updated.json"));
      var anonymous = http.postDidomi("acme", token, ANONYMOUS_EVENT);
      var bulk = new JsonObject(http.postActito("acme", "X-Authorization", "secret",
          Examples.actito("updated-subscription.bulk.json")).body());
      // then they are recognised: bob's profile was stored, ann's never was
      assertThat(didomi.body()).contains("duplicate");
      assertThat(anonymous.body()).contains("duplicate");
      assertThat(bulk.getInteger("duplicates")).isEqualTo(1);
      assertThat(bulk.getInteger("accepted")).isEqualTo(1);
    } finally {
      gateway.stop();
    }
  }

  private static void writeVersionOneStore(Path file) {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        Statement s = c.createStatement()) {
      for (String ddl : VERSION_ONE_DDL.split(";")) {
        if (!ddl.isBlank()) {
          s.execute(ddl);
        }
      }
      s.execute("PRAGMA user_version = 1");
      insert(c, 1, "event.created:-:0:" + at("2026-11-20T09:00:00Z") + ":confirmed", "DIDOMI", "event.created",
          "ann.martin@example.com", utf8(ANONYMOUS_EVENT));
      insert(c, 2, "user.updated:chg-5c71d09a", "DIDOMI", "user.updated", "ann.martin@example.com",
          Examples.didomi("user.updated.json"));
      insert(c, 3, "actito:" + BULK_ID + ":1", "ACTITO", "actito.subscriptions", "bob@example.com",
          Examples.actito("updated-subscription.bulk.json"));
      insert(c, 4, "event.created:e-old:0:" + at("2026-11-20T09:00:00Z") + ":confirmed", "DIDOMI", "event.created", "?",
          utf8(SURROGATE_KEY_EVENT));
      insert(c, 5, "actito:broken:0", "ACTITO", "actito.subscriptions", "x", utf8("{\"id\": \"broken\", \"da"));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void insert(Connection c, long id, String key, String source, String type, String user, byte[] body)
      throws SQLException {
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO webhook_inbox"
        + " (id, integration, dedup_key, source, type, user_key, received_at, body) VALUES (?, 'acme', ?, ?, ?, ?, 1, ?)")) {
      insert.setLong(1, id);
      insert.setString(2, key);
      insert.setString(3, source);
      insert.setString(4, type);
      insert.setString(5, user);
      insert.setBytes(6, body);
      insert.executeUpdate();
    }
  }

  private static String keyOf(Path file, long id) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        PreparedStatement select = c.prepareStatement("SELECT dedup_key FROM webhook_inbox WHERE id = ?")) {
      select.setLong(1, id);
      try (ResultSet rs = select.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private static int userVersion(Path file) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
      return rs.getInt(1);
    }
  }

  private static long at(String instant) {
    return java.time.Instant.parse(instant).toEpochMilli();
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** The schema as version 1 wrote it, frozen here: the migration must work on exactly this. */
  private static final String VERSION_ONE_DDL = """
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
      );
      CREATE INDEX webhook_inbox_user ON webhook_inbox (integration, user_key, received_at);
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
      );
      CREATE INDEX user_state_due ON user_state (integration, next_attempt_at) WHERE dirty_since IS NOT NULL;
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
      );
      CREATE TABLE dispatch_log (
        id          INTEGER PRIMARY KEY,
        integration TEXT    NOT NULL,
        direction   TEXT    NOT NULL,
        user_key    TEXT    NOT NULL,
        at          INTEGER NOT NULL,
        outcome     TEXT    NOT NULL,
        status      INTEGER,
        detail      TEXT
      );
      CREATE INDEX dispatch_log_user ON dispatch_log (integration, user_key, at);
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
      );
      CREATE INDEX didomi_outbox_user ON didomi_outbox (integration, user_key, id);
      CREATE INDEX didomi_outbox_due ON didomi_outbox (integration, next_attempt_at) WHERE dead = 0;
      CREATE TABLE integration_state (
        integration     TEXT PRIMARY KEY,
        paused          INTEGER NOT NULL DEFAULT 0,
        last_success_at INTEGER
      )
      """;
}
