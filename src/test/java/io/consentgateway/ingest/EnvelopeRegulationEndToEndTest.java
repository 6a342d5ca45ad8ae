package io.consentgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.Examples;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.TestConfig;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 6 through the real endpoint: a GDPR integration, the Actito sandbox over HTTP, the real
 * SQLite file. A change whose envelope names another regulation reaches the store but never Actito.
 */
class EnvelopeRegulationEndToEndTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ANN = "ann.martin@example.com";

  @TempDir Path dir;
  private ActitoSandboxServer actito;
  private Gateway gateway;
  private GatewayHttp http;
  private GatewayHttp admin;
  private String token;

  @BeforeEach
  void start() {
    actito = new ActitoSandboxServer();
    gateway = Gateway.start(new TestConfig(dir).actito(actito.baseUrl(), true).load());
    http = new GatewayHttp(gateway.ingestPort());
    admin = new GatewayHttp(gateway.adminPort());
    token = http.token();
  }

  @AfterEach
  void stop() {
    gateway.stop();
    actito.close();
  }

  @Test
  void cpraEventCreatedOnTheEnvelopeLeavesTheGdprSubscriptionAsItIs() {
    // given ann subscribed to the newsletter under GDPR
    post("didomi/event.created.json");
    awaitBacklogEmpty();
    assertThat(actito.subscriptions(ANN)).hasValue(Map.of("Newsletter", true, "SmsOffers", true));
    // when a later event, CPRA by its envelope, turns the newsletter off
    post("didomi/event.created.envelope-cpra.json");
    awaitBacklogEmpty();
    // then Actito still holds the GDPR choice
    assertThat(actito.subscriptions(ANN)).hasValue(Map.of("Newsletter", true, "SmsOffers", true));
  }

  @Test
  void cpraUserUpdatedOnTheEnvelopeIsNotApplied() {
    // given ann's GDPR user.updated: newsletter off, marketing narrowed to email
    post("didomi/user.updated.json");
    awaitBacklogEmpty();
    assertThat(actito.subscriptions(ANN)).hasValue(Map.of("Newsletter", false, "SmsOffers", false));
    // when a newer user.updated, CPRA by its envelope, turns both on
    post("didomi/user.updated.envelope-cpra.json");
    awaitBacklogEmpty();
    // then nothing changed in Actito
    assertThat(actito.subscriptions(ANN)).hasValue(Map.of("Newsletter", false, "SmsOffers", false));
  }

  private void post(String example) {
    assertThat(http.postDidomi("acme", token, Examples.read(example)).statusCode()).as(example).isEqualTo(202);
  }

  private void awaitBacklogEmpty() {
    Eventually.await(WAIT, "an empty backlog", () -> status().getLong("backlog") == 0 && status().getInteger("inFlight") == 0,
        () -> status().encode());
  }

  private JsonObject status() {
    return new JsonObject(admin.get("/admin/integrations/acme/status").body());
  }
}
