package io.consentgateway.bidirectional;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.sandbox.FaultRule;
import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.sandbox.actito.WebhookSubscription;
import io.consentgateway.sandbox.didomi.DidomiSandbox;
import io.consentgateway.sandbox.didomi.DidomiSandboxOptions;
import io.consentgateway.sandbox.didomi.DidomiWebhookTarget;
import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full loop: Didomi sandbox ⇄ gateway ⇄ Actito sandbox, each sandbox calling the gateway's
 * webhooks for every change, including the ones the gateway caused. Nothing may ping-pong, and
 * both systems must end up agreeing.
 */
class BidirectionalEndToEndTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String SECRET = "actito-shared-secret";

  @TempDir Path dir;
  private ActitoSandboxServer actito;
  private Vertx didomiVertx;
  private DidomiSandbox didomi;
  private Gateway gateway;
  private GatewayHttp http;
  private GatewayHttp admin;

  @BeforeEach
  void start() {
    actito = new ActitoSandboxServer();
    didomiVertx = Vertx.vertx();
    didomi = DidomiSandbox.start(didomiVertx, new DidomiSandboxOptions().setOrganizationId("acme-org")).await();
    TestConfig config = new TestConfig(dir).actito(actito.baseUrl(), true).integrationExtras("""
        bidirectional:
          enabled: true
          webhookHeader: X-Authorization
          webhookSecret: %s
          didomiApi: { baseUrl: "%s", apiKey: %s, apiSecret: %s }
        """.formatted(SECRET, didomi.baseUrl(), DidomiSandboxOptions.DEFAULT_API_KEY, DidomiSandboxOptions.DEFAULT_API_SECRET));
    gateway = Gateway.start(config.load());
    http = new GatewayHttp(gateway.ingestPort());
    admin = new GatewayHttp(gateway.adminPort());
    String self = "http://127.0.0.1:" + gateway.ingestPort();
    actito.sandbox().addWebhookSubscription(
        WebhookSubscription.updatedSubscription(self + "/webhooks/actito/acme", Map.of("X-Authorization", SECRET)));
    didomi.emitWebhooksTo(new DidomiWebhookTarget(self + "/webhooks/didomi/acme", self + "/oauth/token",
        TestConfig.CLIENT_ID, TestConfig.CLIENT_SECRET));
  }

  @AfterEach
  void stop() {
    gateway.stop();
    didomiVertx.close().await();
    actito.close();
  }

  @Test
  void didomiChangeReachesActitoAndItsActitoEchoIsNotWrittenBackToDidomi() {
    String user = "from-didomi@example.com";

    http.postDidomi("acme", http.token(), DidomiPayloads.eventWithSeq(user, 1, true));

    Eventually.await(WAIT, "Actito subscribed", () -> actito.subscriptions(user).equals(java.util.Optional.of(Map.of("Newsletter", true))));
    Eventually.await(WAIT, "the Actito sandbox's webhook came back and was recognised",
        () -> history(user).contains("echo_ignored"), () -> history(user) + " deliveries " + actito.sandbox().webhookDeliveries());
    awaitQuiet();
    assertThat(didomi.importedEvents()).as("nothing written back to Didomi").isZero();
  }

  @Test
  void actitoChangeReachesDidomiAndItsDidomiEchoIsNotWrittenBackToActito() {
    String user = "from-actito@example.com";
    actito.sandbox().seedProfile(user, new JsonObject(), new JsonObject().put("Newsletter", true));

    actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", false)); // an unsubscribe link in an email

    Eventually.await(WAIT, "Didomi holds the unsubscribe", () -> Boolean.FALSE.equals(didomiNewsletter(user)));
    Eventually.await(WAIT, "Didomi's webhook came back", () -> history(user).contains("webhook\",\"direction\":\"didomi\""));
    awaitQuiet();
    assertThat(actito.callsFor(user)).as("no subscription written back to Actito")
        .noneMatch(call -> call.requestBody() != null && call.requestBody().contains("Newsletter")
            || call.path().contains("/subscription/"));
    assertThat(didomi.importedEvents()).isEqualTo(1);
    assertThat(actito.subscriptions(user)).hasValue(Map.of("Newsletter", false));
  }

  @Test
  void crossingChangesConvergeToTheSameValueInBothSystems() {
    String user = "crossing@example.com";
    actito.sandbox().seedProfile(user, new JsonObject(), new JsonObject().put("Newsletter", true));
    didomi.changeConsents(user, purposes(true)).await();
    awaitQuiet();

    // at the same moment: the user unsubscribes in Actito and subscribes again in Didomi
    actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", false));
    didomi.changeConsents(user, purposes(true)).await();

    awaitQuiet();
    Eventually.await(WAIT, "both systems agree", () -> {
      Boolean inDidomi = didomiNewsletter(user);
      Boolean inActito = actito.subscriptions(user).map(s -> s.get("Newsletter")).orElse(null);
      return inDidomi != null && inDidomi.equals(inActito);
    }, () -> "didomi " + didomiNewsletter(user) + ", actito " + actito.subscriptions(user));
  }

  @Test
  void didomiEchoOfOneWriteBackDoesNotUndoTheNextQueuedActitoChange() {
    String user = "two-unsubscribes@example.com";
    actito.sandbox().seedProfile(user, new JsonObject(), new JsonObject().put("Newsletter", true).put("SmsOffers", true));
    didomi.changeConsents(user, new JsonObject().put("purposes", new JsonArray()
        .add(new JsonObject().put("id", "newsletter").put("enabled", true))
        .add(new JsonObject().put("id", "marketing").put("enabled", true)
            .put("values", new JsonObject().put("channels", new JsonObject().put("value", "sms")))))).await();
    awaitQuiet();

    // two unsubscribes in Actito in quick succession: Didomi's echo of the first write-back carries
    // the second field's old value while the second write-back still waits its turn
    actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", false));
    actito.sandbox().changeSubscriptions(user, Map.of("SmsOffers", false));

    awaitQuiet();
    assertThat(actito.subscriptions(user)).hasValue(Map.of("Newsletter", false, "SmsOffers", false));
    assertThat(didomiNewsletter(user)).isFalse();
    assertThat(didomi.user(user).orElseThrow().encode()).doesNotContain("\"value\":\"sms\"");
  }

  @Test
  void actitoChangeDuringAnotherFieldsUpdateIsNotMistakenForItsEchoLater() {
    String user = "mid-flight@example.com";
    actito.sandbox().seedProfile(user, new JsonObject(), new JsonObject().put("Newsletter", true));
    didomi.changeConsents(user, purposes(true)).await();
    awaitQuiet();
    actito.sandbox().addFault(FaultRule.latency(1500).onPathsContaining("/profile"));

    // a Didomi change of an attribute only: its Actito update is slow
    didomi.changeConsents(user, new JsonObject().put("purposes", new JsonArray())
        .put("metadata", new JsonObject().put("language", "nl"))).await();
    Eventually.await(WAIT, "the attribute update in flight", () -> actito.sandbox().inFlight() > 0);
    // meanwhile the user unsubscribes in Actito, and once it settles subscribes again
    long mark = actito.sandbox().calls().stream().mapToLong(RecordedCall::sequence).max().orElse(0);
    actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", false));
    awaitQuiet();
    // the slow update's answer did not make the gateway believe Actito still holds the old value
    // (it would then have "corrected" Actito, and later taken the re-subscription for its echo)
    assertThat(actito.callsFor(user)).filteredOn(call -> call.sequence() > mark)
        .noneMatch(call -> call.requestBody() != null && call.requestBody().contains("Newsletter"));
    assertThat(didomiNewsletter(user)).isFalse();
    actito.sandbox().clearFaults();
    actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", true));

    awaitQuiet();
    Eventually.await(WAIT, "Didomi follows the re-subscription", () -> Boolean.TRUE.equals(didomiNewsletter(user)),
        () -> history(user));
    assertThat(actito.subscriptions(user)).hasValue(Map.of("Newsletter", true));
  }

  @Test
  void aNewerDidomiChoiceOvertakesAWriteBackStillWaitingForDidomiInBothSystems() {
    String user = "resubscribes@example.com";
    actito.sandbox().seedProfile(user, new JsonObject(), new JsonObject().put("Newsletter", true));
    didomi.changeConsents(user, purposes(true)).await();
    awaitQuiet();
    didomi.addFault(FaultRule.fraction(1.0, 503).onPathsContaining("/consents/events")); // Didomi's API is down

    // T1: Ann unsubscribes through an Actito email; the write-back to Didomi waits
    actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", false));
    Eventually.await(WAIT, "the write-back is retrying", () -> history(user).contains("\"what\":\"retry\""));
    // T2 > T1: she subscribes again in Didomi; the webhook is acknowledged...
    String later = java.time.Instant.now().plusSeconds(2).toString();
    assertThat(http.postDidomi("acme", http.token(), DidomiPayloads.eventCreated("evt-resubscribe", user, later, true))
        .statusCode()).isEqualTo(202);

    // ...and its choice wins in both systems: Actito is subscribed again, the older write-back is dropped
    Eventually.await(WAIT, "Actito subscribed again",
        () -> actito.subscriptions(user).equals(java.util.Optional.of(Map.of("Newsletter", true))), () -> history(user));
    didomi.clearFaults();
    awaitQuiet();
    assertThat(didomiNewsletter(user)).isTrue();
    assertThat(didomi.calls()).noneMatch(call -> call.path().contains("/consents/events") && call.status() < 300
        && call.requestBody() != null && call.requestBody().contains("\"enabled\":false"));
    assertThat(history(user)).contains("superseded");
    assertThat(deadLetters()).isEmpty();
  }

  @Test
  void aDidomiStampAheadOfTheGatewaysClockDoesNotBeatAnActitoChangeMadeAfterIt() throws InterruptedException {
    String user = "clock-ahead@example.com";
    actito.sandbox().seedProfile(user, new JsonObject(), new JsonObject().put("Newsletter", false));
    didomi.changeConsents(user, purposes(true)).await();
    awaitQuiet();
    // Didomi's clock runs two minutes ahead of the gateway's: her subscribe is stamped in the future
    String ahead = java.time.Instant.now().plusSeconds(120).toString();
    long posted = System.currentTimeMillis();
    assertThat(http.postDidomi("acme", http.token(), DidomiPayloads.eventCreated("evt-ahead", user, ahead, true))
        .statusCode()).isEqualTo(202);
    Eventually.await(WAIT, "Actito subscribed",
        () -> actito.subscriptions(user).equals(java.util.Optional.of(Map.of("Newsletter", true))), () -> history(user));
    awaitQuiet();
    // later in real time, she unsubscribes through an Actito email
    Thread.sleep(Math.max(0, posted + 1_500 - System.currentTimeMillis()));
    actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", false));

    // that is her newest choice: it reaches Didomi, and Actito is not set back to the subscribe
    Eventually.await(WAIT, "Didomi holds the unsubscribe", () -> Boolean.FALSE.equals(didomiNewsletter(user)),
        () -> history(user));
    awaitQuiet();
    assertThat(actito.subscriptions(user)).hasValue(Map.of("Newsletter", false));
    assertThat(history(user)).doesNotContain("overtaken");
  }

  @Test
  void aRedeliveryOfAStampFarAheadCannotUndoAWithdrawalMadeAfterTheFirstDelivery() throws InterruptedException {
    String user = "redelivered-ahead@example.com";
    actito.sandbox().seedProfile(user, new JsonObject(), new JsonObject().put("Newsletter", false));
    didomi.changeConsents(user, purposes(false)).await();
    awaitQuiet();
    // a subscribe stamped in 2099 (a bogus date): it counts at its arrival plus the allowance
    String ahead = DidomiPayloads.eventCreated("evt-2099", user, "2099-01-01T00:00:00Z", true);
    long posted = System.currentTimeMillis();
    assertThat(http.postDidomi("acme", http.token(), ahead).statusCode()).isEqualTo(202);
    Eventually.await(WAIT, "Actito subscribed",
        () -> actito.subscriptions(user).equals(java.util.Optional.of(Map.of("Newsletter", true))), () -> history(user));
    // later, she withdraws in Didomi
    Thread.sleep(Math.max(0, posted + 1_500 - System.currentTimeMillis()));
    assertThat(http.postDidomi("acme", http.token(), DidomiPayloads.eventCreated("evt-withdraw", user,
        java.time.Instant.now().toString(), false)).statusCode()).isEqualTo(202);
    Eventually.await(WAIT, "Actito unsubscribed",
        () -> actito.subscriptions(user).equals(java.util.Optional.of(Map.of("Newsletter", false))), () -> history(user));
    Thread.sleep(1_500);

    // Didomi delivers the 2099 event again, not byte for byte: stored (it is not a duplicate), but it
    // counts at its first arrival, before the withdrawal, and changes nothing
    assertThat(http.postDidomi("acme", http.token(), ahead + "\n").statusCode()).isEqualTo(202);
    awaitQuiet();
    assertThat(actito.subscriptions(user)).hasValue(Map.of("Newsletter", false));
  }

  @Test
  void aWithdrawalRightAfterAFutureDatedSubscribeWins() {
    String user = "withdraws-at-once@example.com";
    actito.sandbox().seedProfile(user, new JsonObject(), new JsonObject().put("Newsletter", false));
    didomi.changeConsents(user, purposes(false)).await();
    awaitQuiet();
    assertThat(http.postDidomi("acme", http.token(), DidomiPayloads.eventCreated("evt-9999", user,
        "9999-12-31T23:59:59.999Z", true)).statusCode()).isEqualTo(202);
    // at once (well within a second), she withdraws: hers is the newest choice
    assertThat(http.postDidomi("acme", http.token(), DidomiPayloads.eventCreated("evt-at-once", user,
        java.time.Instant.now().toString(), false)).statusCode()).isEqualTo(202);

    awaitQuiet();
    Eventually.await(WAIT, "Actito unsubscribed",
        () -> actito.subscriptions(user).equals(java.util.Optional.of(Map.of("Newsletter", false))), () -> history(user));
  }

  @Test
  void anActitoChangeAfterAFailedDispatchIsNotTakenForTheEchoOfThatDispatch() {
    String user = "after-failure@example.com";
    actito.sandbox().seedProfile(user, new JsonObject(), new JsonObject().put("Newsletter", true));
    didomi.changeConsents(user, purposes(true)).await();
    awaitQuiet();
    // the unsubscribe's dispatch fails and waits a long backoff
    actito.sandbox().addFault(FaultRule.burst(1, 503).onPathsContaining("/profile"));
    http.postDidomi("acme", http.token(), DidomiPayloads.eventCreated("evt-unsub", user,
        java.time.Instant.now().toString(), false));
    Eventually.await(WAIT, "the dispatch failed and was rescheduled", () -> history(user).contains("\"what\":\"retry\""));
    // the user changes her mind in Didomi, then unsubscribes in Actito
    http.postDidomi("acme", http.token(), DidomiPayloads.eventCreated("evt-resub", user,
        java.time.Instant.now().plusMillis(10).toString(), true));
    Eventually.await(WAIT, "merged", () -> history(user).contains("evt-resub"));
    actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", false));

    // the Actito unsubscribe is her newest choice: it reaches Didomi, and Actito is not set back
    Eventually.await(WAIT, "Didomi holds the unsubscribe", () -> Boolean.FALSE.equals(didomiNewsletter(user)),
        () -> history(user));
    awaitQuiet();
    assertThat(actito.subscriptions(user)).hasValue(Map.of("Newsletter", false));
  }

  @Test
  void anActitoChangeBackToTheAcknowledgedValueWhileAWriteIsInFlightIsNotSwallowed() {
    String user = "changes-back@example.com";
    actito.sandbox().seedProfile(user, new JsonObject(), new JsonObject().put("Newsletter", true));
    didomi.changeConsents(user, purposes(true)).await();
    awaitQuiet();
    // Actito applies the gateway's next write at once but answers it late
    actito.sandbox().delayAnswers(1500, "/profile");

    didomi.changeConsents(user, purposes(false)).await(); // Didomi: unsubscribe, sent to Actito
    Eventually.await(WAIT, "the unsubscribe landed in Actito",
        () -> actito.subscriptions(user).equals(java.util.Optional.of(Map.of("Newsletter", false))));
    // while its answer is still on the way, the user subscribes again in Actito: Actito reports
    // true, the value the gateway last had acknowledged — a real change, not an echo
    actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", true));
    actito.sandbox().clearAnswerDelay();

    Eventually.await(WAIT, "Didomi follows Actito", () -> Boolean.TRUE.equals(didomiNewsletter(user)), () -> history(user));
    awaitQuiet();
    assertThat(actito.subscriptions(user)).hasValue(Map.of("Newsletter", true));
    assertThat(history(user)).contains("to_verify", "verified");
  }

  @Test
  void didomiOutageIsRetriedThenDelivered() {
    String user = "didomi-down@example.com";
    actito.sandbox().seedProfile(user, new JsonObject(), new JsonObject().put("Newsletter", true));
    didomi.addFault(FaultRule.burst(3, 503).onPathsContaining("/consents/events"));

    actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", false));

    Eventually.await(WAIT, "delivered after the outage", () -> Boolean.FALSE.equals(didomiNewsletter(user)));
    assertThat(history(user)).contains("retry");
    assertThat(deadLetters()).isEmpty();
  }

  @Test
  void permanentDidomiRejectionBecomesADeadLetter() {
    String user = "didomi-rejects@example.com";
    actito.sandbox().seedProfile(user, new JsonObject(), new JsonObject().put("Newsletter", true));
    didomi.addFault(FaultRule.fraction(1.0, 400).onPathsContaining("/consents/events"));

    actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", false));

    Eventually.await(WAIT, "a dead letter", () -> !deadLetters().isEmpty());
    JsonObject letter = deadLetters().getJsonObject(0);
    assertThat(letter.getString("direction")).isEqualTo("didomi");
    assertThat(letter.getInteger("actitoStatus")).isEqualTo(400);

    didomi.clearFaults();
    assertThat(admin.post("/admin/integrations/acme/dead-letters/replay").body()).contains("\"replayed\":1");
    Eventually.await(WAIT, "delivered after the replay", () -> Boolean.FALSE.equals(didomiNewsletter(user)));
  }

  private static JsonObject purposes(boolean newsletter) {
    return new JsonObject().put("purposes", new JsonArray().add(new JsonObject().put("id", "newsletter").put("enabled", newsletter)));
  }

  private Boolean didomiNewsletter(String user) {
    return didomi.user(user).map(u -> {
      JsonArray purposes = u.getJsonObject("consents").getJsonArray("purposes");
      for (int i = 0; i < purposes.size(); i++) {
        if ("newsletter".equals(purposes.getJsonObject(i).getString("id"))) {
          return purposes.getJsonObject(i).getBoolean("enabled");
        }
      }
      return null;
    }).orElse(null);
  }

  private String history(String user) {
    return admin.get("/admin/integrations/acme/users/" + user).body();
  }

  private JsonArray deadLetters() {
    return new JsonObject(admin.get("/admin/integrations/acme/dead-letters").body()).getJsonArray("items");
  }

  /** Both lanes empty and nothing in flight, twice in a row: the loop has settled. */
  private void awaitQuiet() {
    for (int i = 0; i < 2; i++) {
      Eventually.await(WAIT, "a settled loop", () -> {
        JsonObject status = new JsonObject(admin.get("/admin/integrations/acme/status").body());
        JsonObject user = status.getJsonObject("didomi");
        return status.getLong("backlog") == 0 && status.getInteger("inFlight") == 0 && user.getInteger("inFlight") == 0
            && !admin.get("/admin/integrations/acme/status").body().contains("\"queued\":1");
      });
      try {
        Thread.sleep(300); // let a webhook in flight between the systems land
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
