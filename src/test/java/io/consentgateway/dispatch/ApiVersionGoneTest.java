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
 * An account past the end of service of the V4 profile calls answers {@code 410 Gone} to every one
 * of them. A gateway left on {@code apiVersion: v4} must hold the changes — no dead letter, no
 * field-by-field isolation calls, the readiness document and {@code /status} naming the cause while
 * ingest stays ready — so that a
 * withdrawal of consent reaches Actito by itself once the operator switches to {@code v5}.
 */
class ApiVersionGoneTest {

  private static final String PERSON = "gone@example.com";

  @TempDir Path dir;
  private ActitoSandboxServer actito;
  private Gateway gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.stop();
    }
    if (actito != null) {
      actito.close();
    }
  }

  @Test
  void aWithdrawalWaitsOutA410AndLandsOnceTheVersionIsSwitched() throws Exception {
    actito = new ActitoSandboxServer(ActitoSandboxServer.gatewayOptions().setV4Enabled(false));
    actito.sandbox().seedProfile(PERSON, new JsonObject(), new JsonObject().put("Newsletter", true));
    gateway = Gateway.start(new TestConfig(dir).actito(actito.baseUrl(), false).apiVersion("v4").load());
    GatewayHttp http = new GatewayHttp(gateway.ingestPort());
    GatewayHttp admin = new GatewayHttp(gateway.adminPort());
    byte[] withdrawal = WebhookBody.eventCreated("2026-11-20T09:00:00Z").entityId("w1").user(PERSON)
        .purpose("newsletter", false).bytes();
    assertThat(http.postDidomi("acme", http.token(), withdrawal).statusCode()).isEqualTo(202);

    Eventually.await(Duration.ofSeconds(10), "a 410 answered", () -> !gone().isEmpty());
    Eventually.await(Duration.ofSeconds(10), "status names the retired version", () ->
        status(admin).getJsonObject("actito").getString("status").equals("API_VERSION_GONE"));
    JsonObject status = status(admin);
    assertThat(status.getJsonObject("actito").getString("problem")).contains("410").contains("apiVersion");
    assertThat(status.getLong("backlog")).isEqualTo(1);
    // ingest stays ready (webhooks keep being taken); the readiness document names the cause
    var ready = admin.get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ready.body()).getJsonArray("integrations").getJsonObject(0).getString("status"))
        .isEqualTo("API_VERSION_GONE");
    Thread.sleep(1_500);
    assertThat(new JsonObject(admin.get("/admin/integrations/acme/dead-letters").body()).getJsonArray("items"))
        .as("a retired API version is the operator's to fix, never a dead letter").isEmpty();
    assertThat(gone()).as("the calls answered 410: the lane holds, it does not keep asking").hasSizeLessThanOrEqualTo(5);
    assertThat(actito.subscriptions(PERSON)).hasValueSatisfying(held -> assertThat(held).containsEntry("Newsletter", true));

    // the operator switches to v5 and restarts: the held withdrawal goes out, no replay needed
    gateway.stop();
    gateway = Gateway.start(new TestConfig(dir).actito(actito.baseUrl(), false).apiVersion("v5").load());
    GatewayHttp admin2 = new GatewayHttp(gateway.adminPort());
    Eventually.await(Duration.ofSeconds(20), "the withdrawal in Actito", () -> actito.subscriptions(PERSON)
        .map(held -> Boolean.FALSE.equals(held.get("Newsletter"))).orElse(false));
    Eventually.await(Duration.ofSeconds(10), "the backlog drained", () -> status(admin2).getLong("backlog") == 0);
  }

  private List<RecordedCall> gone() {
    return actito.sandbox().calls().stream().filter(call -> call.status() == 410).toList();
  }

  private static JsonObject status(GatewayHttp admin) {
    return new JsonObject(admin.get("/admin/integrations/acme/status").body());
  }
}
