package io.consentgateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.sandbox.FaultRule;
import io.consentgateway.sandbox.didomi.DidomiSandbox;
import io.consentgateway.sandbox.didomi.DidomiSandboxOptions;
import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.Examples;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 13: personal data is kept no longer than needed. Old raw webhooks and history are
 * pruned while what is still needed stays; a user erased on request, or on Didomi's user.deleted,
 * leaves nothing in any table of the real SQLite file.
 */
class RetentionAndErasureTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ANN = "ann.martin@example.com";
  private static final String BOB = "bob@example.com";

  @TempDir Path dir;
  private ActitoSandboxServer actito;
  private Vertx didomiVertx;
  private DidomiSandbox didomi;
  private Gateway gateway;
  private GatewayHttp http;
  private GatewayHttp admin;

  private void start(String extras, int retentionDays) {
    actito = new ActitoSandboxServer();
    didomiVertx = Vertx.vertx();
    didomi = DidomiSandbox.start(didomiVertx, new DidomiSandboxOptions().setOrganizationId("acme-org")).await();
    TestConfig config = new TestConfig(dir).actito(actito.baseUrl(), true).retentionDays(retentionDays)
        .integrationExtras("""
            bidirectional:
              enabled: true
              webhookHeader: X-Authorization
              webhookSecret: secret
              didomiApi: { baseUrl: "%s", apiKey: %s, apiSecret: %s }
            %s""".formatted(didomi.baseUrl(), DidomiSandboxOptions.DEFAULT_API_KEY,
            DidomiSandboxOptions.DEFAULT_API_SECRET, extras));
    gateway = Gateway.start(config.load());
    http = new GatewayHttp(gateway.ingestPort());
    admin = new GatewayHttp(gateway.adminPort());
    actito.sandbox().addWebhookSubscription(io.consentgateway.sandbox.actito.WebhookSubscription.updatedSubscription(
        "http://127.0.0.1:" + gateway.ingestPort() + "/webhooks/actito/acme", Map.of("X-Authorization", "secret")));
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.stop();
    }
    if (didomiVertx != null) {
      didomiVertx.close().await();
    }
    if (actito != null) {
      actito.close();
    }
  }

  @Test
  void erasingAUserLeavesNothingOfItInAnyTableAndKeepsEveryoneElse() throws Exception {
    start("", 30);
    everyKindOfRowFor(ANN);
    everyKindOfRowFor(BOB);
    assertThat(rowsMentioning(ANN)).as("Ann is in every table").containsKeys(
        "webhook_inbox", "user_state", "dispatch_log", "dead_letter", "didomi_outbox");

    HttpResponse<String> erased = adminDelete("/admin/integrations/acme/users/" + ANN);

    assertThat(erased.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(erased.body()).getInteger("rows")).isPositive();
    assertThat(rowsMentioning(ANN)).as("nothing of Ann, in any column of any table").isEmpty();
    assertThat(rowsMentioning(BOB)).containsKeys("webhook_inbox", "user_state", "dispatch_log");
    // nor in the bytes of the files: deleted cells are overwritten, the WAL's old frames dropped
    Eventually.await(WAIT, "no byte of Ann's key left in the store's files", () -> filesMentioning(ANN).isEmpty(),
        () -> String.valueOf(filesMentioning(ANN)));
    assertThat(filesMentioning(BOB)).as("Bob is still there").isNotEmpty();
    assertThat(admin.get("/admin/integrations/acme/users/" + ANN).statusCode()).isEqualTo(404);
    assertThat(adminDelete("/admin/integrations/acme/users/" + ANN).statusCode()).isEqualTo(404);
    // the gateway goes on, and a later change of Ann starts afresh
    assertThat(http.postDidomi("acme", http.token(), DidomiPayloads.eventWithSeq(ANN, 99, true)).statusCode())
        .isEqualTo(202);
    Eventually.await(WAIT, "delivered again", () -> actito.subscriptions(ANN).map(s -> s.get("Newsletter"))
        .equals(java.util.Optional.of(true)));
  }

  @Test
  void userDeletedUnderEraseForgetsTheUserAndARedeliveryChangesNothing() throws Exception {
    start("onUserDeleted: erase", 30);
    String token = http.token();
    http.postDidomi("acme", token, Examples.read("didomi/event.created.json"));
    Eventually.await(WAIT, "Ann in Actito, and Actito's echo back", () -> actito.subscriptions(ANN).isPresent()
        && admin.get("/admin/integrations/acme/users/" + ANN).body().contains("echo_ignored"));

    String deleted = Examples.read("didomi/user.deleted.json");
    assertThat(http.postDidomi("acme", token, deleted).statusCode()).isEqualTo(202);
    assertThat(http.postDidomi("acme", token, deleted).body()).contains("duplicate");

    assertThat(rowsMentioning(ANN)).isEmpty();
    Eventually.await(WAIT, "no byte of Ann's key left in the store's files", () -> filesMentioning(ANN).isEmpty(),
        () -> String.valueOf(filesMentioning(ANN)));
    assertThat(admin.get("/admin/integrations/acme/users/" + ANN).statusCode()).isEqualTo(404);
  }

  @Test
  void userDeletedUnderUnsubscribeAllAndEraseUnsubscribesInActitoThenForgets() throws Exception {
    start("onUserDeleted: unsubscribeAllAndErase", 30);
    String token = http.token();
    http.postDidomi("acme", token, Examples.read("didomi/event.created.json"));
    Eventually.await(WAIT, "Ann subscribed in Actito",
        () -> actito.subscriptions(ANN).map(s -> s.get("Newsletter")).equals(java.util.Optional.of(true)));

    assertThat(http.postDidomi("acme", token, Examples.read("didomi/user.deleted.json")).statusCode()).isEqualTo(202);

    Eventually.await(WAIT, "unsubscribed in Actito", () -> actito.subscriptions(ANN)
        .equals(java.util.Optional.of(Map.of("Newsletter", false, "SmsOffers", false))));
    Eventually.await(WAIT, "then forgotten", () -> rowsMentioning(ANN).isEmpty(), () -> String.valueOf(rowsMentioning(ANN)));
  }

  @Test
  void pruningRemovesOldWebhooksAndHistoryAndKeepsStateDeadLettersAndRecentRows() throws Exception {
    start("", 1);
    String token = http.token();
    // Ann's webhooks first: they are the old ones, stored before Bob's
    http.postDidomi("acme", token, DidomiPayloads.eventWithSeq(ANN, 1, true));
    Eventually.await(WAIT, "Ann delivered", () -> actito.subscriptions(ANN).isPresent());
    actito.sandbox().addFault(FaultRule.fraction(1.0, 400).onPathsContaining("/profile"));
    http.postDidomi("acme", token, DidomiPayloads.eventWithSeq(ANN, 2, false));
    Eventually.await(WAIT, "a dead letter", () -> new JsonObject(admin.get("/admin/integrations/acme/status").body())
        .getLong("deadLetters") == 1);
    actito.sandbox().clearFaults();
    String recent = DidomiPayloads.eventWithSeq(BOB, 1, true);
    http.postDidomi("acme", token, recent);
    Eventually.await(WAIT, "Bob delivered", () -> actito.subscriptions(BOB).isPresent());
    // Ann's webhooks and history are two days old
    long twoDaysAgo = Instant.now().minus(Duration.ofDays(2)).toEpochMilli();
    execute("UPDATE webhook_inbox SET received_at = " + twoDaysAgo + " WHERE user_key = '" + ANN + "'");
    execute("UPDATE dispatch_log SET at = " + twoDaysAgo + " WHERE user_key = '" + ANN + "'");
    long bobsRows = count("SELECT COUNT(*) FROM webhook_inbox WHERE user_key = '" + BOB + "'");

    long pruned = gateway.retention().pruneNow().toCompletionStage().toCompletableFuture().get();

    assertThat(pruned).isPositive();
    assertThat(count("SELECT COUNT(*) FROM webhook_inbox WHERE user_key = '" + ANN + "'")).isZero();
    assertThat(count("SELECT COUNT(*) FROM dispatch_log WHERE user_key = '" + ANN + "'"))
        .as(() -> dump("SELECT id, user_key, outcome, at FROM dispatch_log ORDER BY id")).isZero();
    // kept: her state, her dead letter, and everything recent
    assertThat(count("SELECT COUNT(*) FROM user_state WHERE user_key = '" + ANN + "'")).isEqualTo(1);
    assertThat(count("SELECT COUNT(*) FROM dead_letter WHERE user_key = '" + ANN + "'")).isEqualTo(1);
    assertThat(count("SELECT COUNT(*) FROM webhook_inbox WHERE user_key = '" + BOB + "'")).isGreaterThanOrEqualTo(bobsRows);
    // a recent webhook is still recognised when Didomi redelivers it
    assertThat(http.postDidomi("acme", token, recent).body()).contains("duplicate");
  }

  /** A Didomi webhook delivered, an Actito change queued for Didomi (down), a refused field, for {@code user}. */
  private void everyKindOfRowFor(String user) {
    String token = http.token();
    http.postDidomi("acme", token, """
        {"type":"event.created","parameters":{"entity":{
          "id":"evt-%s","organization_id":"acme-org","created_at":"2026-11-20T00:00:01Z","status":"confirmed",
          "user":{"id":"u-%s","organization_user_id":"%s","metadata":{"first_name":"X","loyalty_tier":"gold"}},
          "consents":{"purposes":[{"id":"newsletter","enabled":true}]}}}}
        """.formatted(user, user, user));
    Eventually.await(WAIT, "delivered", () -> actito.subscriptions(user).isPresent());
    if (user.equals(ANN)) {
      // a field Actito refuses on its own, and a write-back that waits for Didomi
      actito.sandbox().setTableAttributes(List.of("first_name"));
      http.postDidomi("acme", token, """
          {"type":"event.created","parameters":{"entity":{
            "id":"evt2-%s","organization_id":"acme-org","created_at":"2026-11-20T00:00:02Z","status":"confirmed",
            "user":{"id":"u-%s","organization_user_id":"%s","metadata":{"first_name":"X","loyalty_tier":"platinum"}},
            "consents":{"purposes":[{"id":"newsletter","enabled":true}]}}}}
          """.formatted(user, user, user));
      Eventually.await(WAIT, "a refused field", () -> count("SELECT COUNT(*) FROM dead_letter WHERE user_key = '" + user + "'") == 1);
      actito.sandbox().setTableAttributes(ActitoSandboxServer.TABLE_ATTRIBUTES);
      didomi.addFault(FaultRule.fraction(1.0, 503).onPathsContaining("/consents/events"));
      actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", false));
      Eventually.await(WAIT, "a queued write-back",
          () -> count("SELECT COUNT(*) FROM didomi_outbox WHERE user_key = '" + user + "'") > 0);
    }
  }

  /** Per table, the rows in which {@code text} appears in any column (the raw bodies included). */
  private Map<String, Long> rowsMentioning(String text) {
    Map<String, Long> found = new java.util.TreeMap<>();
    try (Connection c = connection(); Statement s = c.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      for (String table : tables) {
        List<String> columns = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
          while (rs.next()) {
            columns.add(rs.getString("name"));
          }
        }
        String where = String.join(" OR ", columns.stream()
            .map(column -> "instr(CAST(" + column + " AS TEXT), '" + text.replace("'", "''") + "') > 0").toList());
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table + " WHERE " + where)) {
          if (rs.next() && rs.getLong(1) > 0) {
            found.put(table, rs.getLong(1));
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return found;
  }

  /** The store's files (database, WAL) whose bytes hold {@code text}, with how often. */
  private Map<String, Integer> filesMentioning(String text) {
    byte[] needle = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Map<String, Integer> found = new java.util.TreeMap<>();
    for (String name : List.of("gateway.db", "gateway.db-wal")) {
      Path file = dir.resolve(name);
      try {
        if (!java.nio.file.Files.exists(file)) {
          continue;
        }
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        int hits = 0;
        for (int i = 0; i + needle.length <= bytes.length; i++) {
          if (java.util.Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)) {
            hits++;
          }
        }
        if (hits > 0) {
          found.put(name, hits);
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return found;
  }

  private String dump(String sql) {
    StringBuilder out = new StringBuilder();
    try (Connection c = connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        for (int i = 1; i <= columns; i++) {
          out.append(rs.getString(i)).append(i == columns ? "\n" : " | ");
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }

  private long count(String sql) {
    try (Connection c = connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private void execute(String sql) throws SQLException {
    try (Connection c = connection(); Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
      s.execute(sql);
    }
  }

  private Connection connection() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("gateway.db").toAbsolutePath());
  }

  private HttpResponse<String> adminDelete(String path) {
    return admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
        .DELETE().build());
  }
}
