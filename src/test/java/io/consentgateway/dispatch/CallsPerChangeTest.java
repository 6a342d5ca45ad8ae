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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every Actito call counts: through the whole gateway, one Didomi change (two subscriptions, two
 * metadata attributes) for each of 20 people costs exactly this many profile calls, tokens and the
 * table structure aside — one more call, and this fails. Upsert: 1, both versions; update-only: 1
 * with V5 ({@code PATCH} by unique key), 2 with V4 (look-up, then one {@code POST
 * ?allowUpdate=true}). Before the V5 adapter, update-only V4 spent 6 calls per such change.
 */
class CallsPerChangeTest {

  private static final int PEOPLE = 20;

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

  @ParameterizedTest(name = "{0}, upsertMode {1}: {2} call(s) per change")
  @CsvSource({"v5, true, 1", "v5, false, 1", "v4, true, 1", "v4, false, 2"})
  void oneChangeCostsExactly(String version, boolean upsertMode, int callsPerChange) {
    actito = new ActitoSandboxServer();
    for (int i = 0; i < PEOPLE; i++) {
      // update-only needs the profiles there; upsert mode finds them there too
      actito.sandbox().seedProfile(person(i), new JsonObject(), new JsonObject());
    }
    gateway = Gateway.start(new TestConfig(dir).actito(actito.baseUrl(), upsertMode).apiVersion(version).load());
    GatewayHttp http = new GatewayHttp(gateway.ingestPort());
    GatewayHttp admin = new GatewayHttp(gateway.adminPort());
    String token = http.token();
    Eventually.await(Duration.ofSeconds(10), "the table structure read", () -> !actito.sandbox().calls().isEmpty());

    for (int i = 0; i < PEOPLE; i++) {
      byte[] body = WebhookBody.eventCreated("2026-11-20T09:00:0" + (i % 10) + "Z").entityId("e" + i).user(person(i))
          .purpose("newsletter", true).purpose("marketing", null, "channels", "sms")
          .metadata("{\"first_name\":\"P" + i + "\",\"country\":\"BE\"}").bytes();
      assertThat(http.postDidomi("acme", token, body).statusCode()).isEqualTo(202);
    }
    Eventually.await(Duration.ofSeconds(30), "every change delivered", () -> {
      JsonObject status = new JsonObject(admin.get("/admin/integrations/acme/status").body());
      return status.getLong("backlog") == 0 && status.getInteger("inFlight") == 0;
    });

    List<RecordedCall> profileCalls = actito.sandbox().calls().stream()
        .filter(call -> call.path().startsWith("/profiles/")).toList();
    assertThat(profileCalls).as(() -> profileCalls.stream().map(c -> c.method() + " " + c.path()).toList().toString())
        .hasSize(PEOPLE * callsPerChange)
        .allMatch(call -> call.path().startsWith("/profiles/" + version + "/"))
        .allMatch(call -> call.status() == 200);
    for (int i = 0; i < PEOPLE; i++) {
      assertThat(actito.subscriptions(person(i))).hasValueSatisfying(held -> assertThat(held)
          .containsEntry("Newsletter", true).containsEntry("SmsOffers", true));
      assertThat(actito.attributes(person(i))).hasValueSatisfying(held -> assertThat(held)
          .containsEntry("country", "BE"));
    }
  }

  private static String person(int i) {
    return "person-" + i + "@example.com";
  }
}
