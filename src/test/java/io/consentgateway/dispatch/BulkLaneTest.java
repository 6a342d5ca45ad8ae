package io.consentgateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.TestConfig;
import io.consentgateway.support.WebhookBody;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bulk lane through the whole gateway, against the sandbox's mass-import API: a backlog over
 * {@code minBacklog} goes out as one file; {@code SUCCESS} acknowledges it, {@code WITH_ERROR} and
 * {@code FAILED} send its people back to the API lane; a newer change made during an execution
 * reaches Actito after it; update-only never creates a profile; the daily limit holds across a
 * restart. Every person goes exactly one way: the people in files plus the profile calls add up to
 * the people changed (V5 upsert: one call a change), one call more and the count fails.
 */
class BulkLaneTest {

  private static final int PEOPLE = 60;
  private static final Duration WAIT = Duration.ofSeconds(40);

  @TempDir Path dir;
  private ActitoSandboxServer actito;
  private Gateway gateway;
  private GatewayHttp http;
  private GatewayHttp admin;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.stop();
    }
    if (actito != null) {
      actito.close();
    }
  }

  private void start(String etlMode, boolean upsertMode, String bulkExtras) {
    if (actito == null) {
      actito = new ActitoSandboxServer(ActitoSandboxServer.gatewayOptions().setV4Enabled(false)
          .setEtl("7", etlMode).setImportLatency(Duration.ofMillis(1_500)));
    }
    gateway = Gateway.start(new TestConfig(dir).actito(actito.baseUrl(), upsertMode).apiVersion("v5").callsPerMinute(300)
        .bulk("{enabled: true, etlId: \"7\", minBacklog: 20, pollIntervalMs: 200, expectedDurationMs: 2000"
            + bulkExtras + "}")
        .load());
    http = new GatewayHttp(gateway.ingestPort());
    admin = new GatewayHttp(gateway.adminPort());
    Eventually.await(Duration.ofSeconds(10), "the table structure read", () -> !actito.sandbox().calls().isEmpty());
  }

  // the people's changes are taken while the integration is paused: a backlog at once
  private void backlog(int people, String at, boolean newsletter) {
    assertThat(admin.post("/admin/integrations/acme/pause").statusCode()).isEqualTo(200);
    String token = http.token();
    for (int i = 0; i < people; i++) {
      byte[] body = WebhookBody.eventCreated(at).entityId("e" + at + i).user(person(i))
          .purpose("newsletter", newsletter).purpose("marketing", null, "channels", "sms")
          .metadata("{\"first_name\":\"P" + i + "\",\"country\":\"BE\"}").bytes();
      assertThat(http.postDidomi("acme", token, body).statusCode()).isEqualTo(202);
    }
    if (expectImport) {
      // the lane has decided: on resume the API lane is held and the file takes the backlog
      Eventually.await(Duration.ofSeconds(10), "the bulk lane decided", () -> status().getJsonObject("bulk")
          .getString("decision").startsWith("paused (an import is due"), () -> status().encodePrettily());
    }
    assertThat(admin.post("/admin/integrations/acme/resume").statusCode()).isEqualTo(200);
  }

  private boolean expectImport = true;

  private void awaitDrained() {
    Eventually.await(WAIT, "every change delivered", () -> {
      JsonObject status = status();
      return status.getLong("backlog") == 0 && status.getInteger("inFlight") == 0
          && status.getJsonObject("bulk").getJsonObject("running") == null;
    }, () -> status().encodePrettily());
  }

  @Test
  void aBacklogGoesOutAsOneFileAndSuccessAcknowledgesIt() {
    start("CREATE_UPDATE", true, "");
    backlog(PEOPLE, "2026-11-20T09:00:00Z", true);
    awaitDrained();

    List<JsonObject> executions = actito.sandbox().importExecutions();
    assertThat(executions).hasSize(1);
    JsonObject execution = executions.get(0);
    assertThat(execution.getString("status")).isEqualTo("SUCCESS");
    int rows = execution.getInteger("rows");
    assertThat(rows).as("most of the backlog went in the file").isGreaterThanOrEqualTo(PEOPLE / 2);
    assertThat(profileCalls()).as("each person one way: the file or one call").hasSize(PEOPLE - rows);
    for (int i = 0; i < PEOPLE; i++) {
      assertThat(actito.subscriptions(person(i))).hasValueSatisfying(held -> assertThat(held)
          .containsEntry("Newsletter", true).containsEntry("SmsOffers", true));
      String key = person(i);
      assertThat(actito.attributes(key)).hasValueSatisfying(held -> assertThat(held)
          .containsEntry("country", "BE").containsEntry("customerId", key));
    }
    String inFile = inFile();
    assertThat(history(inFile)).contains("bulk_delivered").contains("SUCCESS");
    JsonObject bulk = status().getJsonObject("bulk");
    assertThat(bulk.getString("lane")).isEqualTo("api");
    assertThat(bulk.getInteger("executionsToday")).isEqualTo(1);
    assertThat(bulk.getJsonObject("last").getString("executionId")).isEqualTo(execution.getString("executionId"));
    assertThat(metrics()).contains("bulk_executions_total{integration=\"acme\",outcome=\"success\"} 1.0");

    // acknowledged: nothing is sent again, neither by a file nor by a call
    int calls = actito.sandbox().calls().size();
    sleep(1_500);
    assertThat(actito.sandbox().calls()).hasSize(calls);
  }

  @Test
  void anExecutionWithErrorsSendsItsPeopleBackToTheApiLane() {
    start("CREATE_UPDATE", true, "");
    actito.sandbox().options().setImportOutcome("WITH_ERROR");
    backlog(PEOPLE, "2026-11-20T09:00:00Z", true);
    awaitDrained();

    JsonObject execution = actito.sandbox().importExecutions().get(0);
    assertThat(execution.getString("status")).isEqualTo("WITH_ERROR");
    assertThat(execution.getInteger("appliedRows")).isPositive(); // part of it landed
    // no per-row report: every person of the file is sent again through the API, once
    assertThat(profileCalls()).hasSize(PEOPLE);
    for (int i = 0; i < PEOPLE; i++) {
      assertThat(actito.subscriptions(person(i))).hasValueSatisfying(held -> assertThat(held).containsEntry("Newsletter", true));
    }
    assertThat(history(inFile())).contains("bulk_fallback").contains("WITH_ERROR").contains("delivered");
    assertThat(new JsonObject(admin.get("/admin/integrations/acme/dead-letters").body()).getJsonArray("items")).isEmpty();
  }

  @Test
  void aFailedExecutionSendsItsPeopleBackToTheApiLane() {
    start("CREATE_UPDATE", true, "");
    actito.sandbox().options().setImportOutcome("FAILED");
    backlog(PEOPLE, "2026-11-20T09:00:00Z", false);
    awaitDrained();

    assertThat(actito.sandbox().importExecutions().get(0).getString("status")).isEqualTo("FAILED");
    assertThat(profileCalls()).hasSize(PEOPLE);
    for (int i = 0; i < PEOPLE; i++) {
      assertThat(actito.subscriptions(person(i))).hasValueSatisfying(held -> assertThat(held).containsEntry("Newsletter", false));
    }
    assertThat(history(inFile())).contains("bulk_fallback").contains("FAILED");
  }

  @Test
  void aNewerChangeMadeDuringAnExecutionReachesActitoAfterIt() {
    actito = new ActitoSandboxServer(ActitoSandboxServer.gatewayOptions().setV4Enabled(false)
        .setEtl("7", "CREATE_UPDATE").setImportLatency(Duration.ofSeconds(3)));
    start("CREATE_UPDATE", true, "");
    backlog(PEOPLE, "2026-11-20T09:00:00Z", true);
    Eventually.await(WAIT, "an execution running", () -> !actito.sandbox().importExecutions().isEmpty());
    assertThat(actito.sandbox().importExecutions().get(0).getInteger("rows")).as("the API lane held: all in the file")
        .isEqualTo(PEOPLE);
    String inFile = person(7);
    // she withdraws while the file that subscribes her is being imported
    byte[] withdrawal = WebhookBody.eventCreated("2026-11-20T10:00:00Z").entityId("later").user(inFile)
        .purpose("newsletter", false).bytes();
    assertThat(http.postDidomi("acme", http.token(), withdrawal).statusCode()).isEqualTo(202);
    awaitDrained();

    JsonObject execution = actito.sandbox().importExecutions().get(0);
    assertThat(execution.getString("status")).isEqualTo("SUCCESS");
    List<RecordedCall> hers = actito.callsFor(inFile);
    assertThat(hers).as("her withdrawal, one call").hasSize(1);
    assertThat(hers.get(0).startedAtMs()).as("sent after the import ended, never before")
        .isGreaterThanOrEqualTo(execution.getLong("endedAtMs"));
    assertThat(actito.subscriptions(inFile)).hasValueSatisfying(held -> assertThat(held).containsEntry("Newsletter", false));
  }

  @Test
  void aPersonErasedDuringAnImportIsErasedAfterItAndHerWithdrawalStillLandsLast() {
    actito = new ActitoSandboxServer(ActitoSandboxServer.gatewayOptions().setV4Enabled(false)
        .setEtl("7", "CREATE_UPDATE").setImportLatency(Duration.ofSeconds(3)));
    start("CREATE_UPDATE", true, "");
    backlog(PEOPLE, "2026-11-20T09:00:00Z", true);
    Eventually.await(WAIT, "an execution running", () -> !actito.sandbox().importExecutions().isEmpty());
    String erased = person(7);
    // erased at her request while the file that subscribes her is imported, then she withdraws
    assertThat(admin.delete("/admin/integrations/acme/users/" + erased).statusCode()).isEqualTo(200);
    byte[] withdrawal = WebhookBody.eventCreated("2026-11-20T10:00:00Z").entityId("after-erasure").user(erased)
        .purpose("newsletter", false).bytes();
    assertThat(http.postDidomi("acme", http.token(), withdrawal).statusCode()).isEqualTo(202);
    awaitDrained();

    JsonObject execution = actito.sandbox().importExecutions().get(0);
    List<RecordedCall> hers = actito.callsFor(erased);
    assertThat(hers).as("her withdrawal, after the import").hasSize(1);
    assertThat(hers.get(0).startedAtMs()).isGreaterThanOrEqualTo(execution.getLong("endedAtMs"));
    assertThat(actito.subscriptions(erased)).hasValueSatisfying(held -> assertThat(held).containsEntry("Newsletter", false));
    Eventually.await(Duration.ofSeconds(10), "erased once Actito has it",
        () -> admin.get("/admin/integrations/acme/users/" + erased).statusCode() == 404);
  }

  @Test
  void noFileIsLargerThanMaxFileBytes() {
    start("CREATE_UPDATE", true, ", maxFileBytes: 2048");
    backlog(PEOPLE, "2026-11-20T09:00:00Z", true);
    awaitDrained();

    List<JsonObject> executions = actito.sandbox().importExecutions();
    // the file is cut at 2 KiB of CSV; the rest is due again (the next file, or the API lane meanwhile)
    assertThat(executions.get(0).getInteger("rows")).isPositive().isLessThan(PEOPLE);
    int inFiles = executions.stream().mapToInt(e -> e.getInteger("rows")).sum();
    assertThat(inFiles + profileCalls().size()).as("each person one way").isEqualTo(PEOPLE);
    assertThat(new io.consentgateway.support.StoreFile(dir.resolve("gateway.db"))
        .count("SELECT MAX(bytes) FROM bulk_execution")).isLessThanOrEqualTo(2048);
    for (int i = 0; i < PEOPLE; i++) {
      assertThat(actito.subscriptions(person(i))).hasValueSatisfying(held -> assertThat(held).containsEntry("Newsletter", true));
    }
  }

  @Test
  void anAttributeClearedToEmptyGoesThroughTheApiLaneNotAFile() {
    start("CREATE_UPDATE", true, "");
    backlog(PEOPLE, "2026-11-20T09:00:00Z", true);
    awaitDrained();
    int calls = profileCalls().size();
    // everyone clears first_name: an empty cell would leave it, so no file carries them
    expectImport = false;
    assertThat(admin.post("/admin/integrations/acme/pause").statusCode()).isEqualTo(200);
    String token = http.token();
    for (int i = 0; i < PEOPLE; i++) {
      byte[] body = WebhookBody.eventCreated("2026-11-20T11:00:00Z").entityId("clear" + i).user(person(i))
          .purpose("newsletter", true).metadata("{\"first_name\":\"\"}").bytes();
      assertThat(http.postDidomi("acme", token, body).statusCode()).isEqualTo(202);
    }
    assertThat(admin.post("/admin/integrations/acme/resume").statusCode()).isEqualTo(200);
    awaitDrained();

    assertThat(actito.sandbox().importExecutions()).as("no second file").hasSize(1);
    assertThat(profileCalls()).hasSize(calls + PEOPLE);
    for (int i = 0; i < PEOPLE; i++) {
      assertThat(actito.attributes(person(i))).hasValueSatisfying(held -> assertThat(held).containsEntry("first_name", ""));
    }
  }

  @Test
  void aTriggerActitoRefusedIsNotTriedAgainAtOnceEvenAfterARestart() {
    // the ETL the gateway names does not exist in Actito: 404, the people back to the lanes
    actito = new ActitoSandboxServer(ActitoSandboxServer.gatewayOptions().setV4Enabled(false)
        .setEtl("8", "CREATE_UPDATE").setImportLatency(Duration.ofMillis(500)));
    start("CREATE_UPDATE", true, "");
    backlog(PEOPLE, "2026-11-20T09:00:00Z", true);
    Eventually.await(WAIT, "the refused trigger", () -> triggers() == 1);
    Eventually.await(WAIT, "the API lane drains it", () -> status().getLong("backlog") == 0, () -> status().encodePrettily());

    gateway.stop();
    start("CREATE_UPDATE", true, "");
    expectImport = false;
    assertThat(admin.post("/admin/integrations/acme/pause").statusCode()).isEqualTo(200);
    String token = http.token();
    for (int i = 0; i < PEOPLE; i++) {
      byte[] body = WebhookBody.eventCreated("2026-11-20T11:00:00Z").entityId("again" + i).user(person(i))
          .purpose("newsletter", false).bytes();
      assertThat(http.postDidomi("acme", token, body).statusCode()).isEqualTo(202);
    }
    // a backlog large enough for a file, and yet the lane waits: it read the refusal from the store
    Eventually.await(Duration.ofSeconds(10), "the lane remembers the refusal", () -> status().getJsonObject("bulk")
        .getString("decision").startsWith("the last trigger failed"), () -> status().encodePrettily());
    assertThat(admin.post("/admin/integrations/acme/resume").statusCode()).isEqualTo(200);
    Eventually.await(WAIT, "the API lane drains the second backlog", () -> status().getLong("backlog") == 0,
        () -> status().encodePrettily());

    assertThat(triggers()).as("each try spends one of the day's executions: not again within 5 minutes").isEqualTo(1);
    for (int i = 0; i < PEOPLE; i++) {
      assertThat(actito.subscriptions(person(i))).hasValueSatisfying(held -> assertThat(held).containsEntry("Newsletter", false));
    }
  }

  private long triggers() {
    return actito.sandbox().calls().stream().filter(call -> call.path().endsWith("/trigger-execution")).count();
  }

  @Test
  void updateOnlyNeverCreatesAProfileThroughTheFile() {
    actito = new ActitoSandboxServer(ActitoSandboxServer.gatewayOptions().setV4Enabled(false)
        .setEtl("7", "UPDATE_ONLY").setImportLatency(Duration.ofMillis(1_500)));
    for (int i = 0; i < PEOPLE; i += 2) {
      actito.sandbox().seedProfile(person(i), new JsonObject(), new JsonObject());
    }
    start("UPDATE_ONLY", false, "");
    backlog(PEOPLE, "2026-11-20T09:00:00Z", true);
    awaitDrained();

    assertThat(actito.sandbox().profiles()).as("only the profiles that were there").hasSize(PEOPLE / 2);
    assertThat(actito.sandbox().importExecutions().get(0).getString("status")).isEqualTo("WITH_ERROR");
    for (int i = 0; i < PEOPLE; i += 2) {
      assertThat(actito.subscriptions(person(i))).hasValueSatisfying(held -> assertThat(held).containsEntry("Newsletter", true));
    }
    assertThat(history(person(1))).contains("not_in_actito");
  }

  @Test
  void theDailyLimitHoldsAcrossARestart() {
    start("CREATE_UPDATE", true, ", maxExecutionsPerDay: 1");
    backlog(PEOPLE, "2026-11-20T09:00:00Z", true);
    awaitDrained();
    assertThat(actito.sandbox().importExecutions()).hasSize(1);

    gateway.stop();
    start("CREATE_UPDATE", true, ", maxExecutionsPerDay: 1");
    expectImport = false;
    backlog(PEOPLE, "2026-11-20T11:00:00Z", false);
    Eventually.await(WAIT, "the API lane drains it", () -> status().getLong("backlog") == 0, () -> status().encodePrettily());

    assertThat(actito.sandbox().importExecutions()).as("the day's one execution was spent before the restart").hasSize(1);
    Eventually.await(Duration.ofSeconds(5), "the lane read the day's executions",
        () -> status().getJsonObject("bulk").getInteger("executionsToday") == 1, () -> status().encodePrettily());
    assertThat(profileCalls()).as("the first backlog in the file, the second one call each").hasSize(PEOPLE);
    for (int i = 0; i < PEOPLE; i++) {
      assertThat(actito.subscriptions(person(i))).hasValueSatisfying(held -> assertThat(held).containsEntry("Newsletter", false));
    }
  }

  private List<RecordedCall> profileCalls() {
    return actito.sandbox().calls().stream().filter(call -> call.path().startsWith("/profiles/")).toList();
  }

  // a person whose change went in the file (no profile call of theirs before the first execution ended)
  private String inFile() {
    for (int i = 0; i < PEOPLE; i++) {
      String person = person(i);
      if (history(person).contains("bulk_")) {
        return person;
      }
    }
    Eventually.await(WAIT, "someone in a file", () -> false);
    return null;
  }

  private JsonObject status() {
    return new JsonObject(admin.get("/admin/integrations/acme/status").body());
  }

  private String history(String user) {
    return admin.get("/admin/integrations/acme/users/" + user).body();
  }

  private String metrics() {
    return admin.get("/metrics").body();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String person(int i) {
    return "person-" + i + "@example.com";
  }
}
