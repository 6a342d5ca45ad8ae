package io.consentgateway.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.GatewayProcess;
import io.consentgateway.support.TestConfig;
import io.consentgateway.support.WebhookBody;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of the real jar while a mass import is RUNNING in Actito (the sandbox, in this
 * JVM, outlives the gateway). On restart the execution is polled before anything else: it is not
 * triggered again, its people are not sent again, their newer changes go out after it ended, and
 * its SUCCESS acknowledges what the file carried.
 */
class BulkCrashIT {

  private static final int PEOPLE = 60;

  @TempDir Path dir;

  @Test
  void killedWhileAnImportRunsTheRestartPollsItFirstAndSendsNothingTwice() throws Exception {
    try (ActitoSandboxServer actito = new ActitoSandboxServer(ActitoSandboxServer.gatewayOptions()
        .setV4Enabled(false).setEtl("7", "CREATE_UPDATE").setImportLatency(Duration.ofSeconds(8)))) {
      TestConfig config = new TestConfig(dir).actito(actito.baseUrl(), true).apiVersion("v5").callsPerMinute(300)
          .bulk("{enabled: true, etlId: \"7\", minBacklog: 20, pollIntervalMs: 200, expectedDurationMs: 2000}");

      try (GatewayProcess gateway = GatewayProcess.start(config, dir, Map.of())) {
        GatewayHttp http = new GatewayHttp(config.port());
        GatewayHttp admin = new GatewayHttp(config.adminPort());
        assertThat(admin.post("/admin/integrations/acme/pause").statusCode()).isEqualTo(200);
        String token = http.token();
        for (int i = 0; i < PEOPLE; i++) {
          byte[] body = WebhookBody.eventCreated("2026-11-20T09:00:00Z").entityId("e" + i).user(person(i))
              .purpose("newsletter", true).bytes();
          assertThat(http.postDidomi("acme", token, body).statusCode()).isEqualTo(202);
        }
        Eventually.await(Duration.ofSeconds(20), "the bulk lane decided", () -> status(admin).getJsonObject("bulk")
            .getString("decision").startsWith("paused (an import is due"), () -> status(admin).encodePrettily());
        assertThat(admin.post("/admin/integrations/acme/resume").statusCode()).isEqualTo(200);
        Eventually.await(Duration.ofSeconds(20), "the import triggered", () -> !actito.sandbox().importExecutions().isEmpty());
        Eventually.await(Duration.ofSeconds(5), "the gateway knows it runs", () -> {
          JsonObject running = status(admin).getJsonObject("bulk").getJsonObject("running");
          return running != null && "RUNNING".equals(running.getString("state"));
        });
        gateway.kill9();
      }
      assertThat(actito.sandbox().importExecutions().get(0).getString("status")).isEqualTo("RUNNING");

      try (GatewayProcess restarted = GatewayProcess.start(config, dir, Map.of())) {
        GatewayHttp http = new GatewayHttp(config.port());
        GatewayHttp admin = new GatewayHttp(config.adminPort());
        // she withdraws while the file that subscribes her is still being imported
        byte[] withdrawal = WebhookBody.eventCreated("2026-11-20T10:00:00Z").entityId("later").user(person(7))
            .purpose("newsletter", false).bytes();
        assertThat(http.postDidomi("acme", http.token(), withdrawal).statusCode()).isEqualTo(202);
        Eventually.await(Duration.ofSeconds(60), "everything delivered after the restart", () -> {
          JsonObject status = status(admin);
          return status.getLong("backlog") == 0 && status.getInteger("inFlight") == 0
              && status.getJsonObject("bulk").getJsonObject("running") == null;
        }, () -> status(admin).encodePrettily());

        List<JsonObject> executions = actito.sandbox().importExecutions();
        assertThat(executions).as("the running execution was polled, never triggered again").hasSize(1);
        JsonObject execution = executions.get(0);
        assertThat(execution.getString("status")).isEqualTo("SUCCESS");
        assertThat(execution.getInteger("rows")).isEqualTo(PEOPLE);
        List<RecordedCall> profileCalls = actito.sandbox().calls().stream()
            .filter(call -> call.path().startsWith("/profiles/")).toList();
        assertThat(profileCalls).as("only her withdrawal, after the import").hasSize(1);
        assertThat(profileCalls.get(0).startedAtMs()).isGreaterThanOrEqualTo(execution.getLong("endedAtMs"));
        for (int i = 0; i < PEOPLE; i++) {
          assertThat(actito.subscriptions(person(i))).as(person(i))
              .hasValue(Map.of("Newsletter", i != 7));
        }
        assertThat(admin.get("/admin/integrations/acme/users/" + person(3)).body()).contains("bulk_delivered");
        assertThat(restarted.terminate()).isZero();
      }
    }
  }

  private static JsonObject status(GatewayHttp admin) {
    return new JsonObject(admin.get("/admin/integrations/acme/status").body());
  }

  private static String person(int i) {
    return "bulk-crash-" + i + "@example.com";
  }
}
