package io.consentgateway.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.sandbox.FaultRule;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.Eventually;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Found by {@link ConsentIntegrityIT} (seed 1: user-0068 ends with SmsOffers on in Actito, off in
 * Didomi; user-0057 likewise for Newsletter), reduced to one user. Guarantee 9: a change made in
 * Didomi is never mistaken for the echo of the gateway's own write-back; guarantee 3: it is the
 * newest change, in both systems.
 */
class DidomiChangeTakenForAnEchoIT {

  @TempDir Path dir;
  private Loop loop;

  @BeforeEach
  void start() {
    loop = new Loop(dir, 100_000, true);
  }

  @AfterEach
  void stop() {
    loop.close();
  }

  @Test
  void aDidomiChangeEqualToAValueTheGatewayNeverWroteBackIsNotItsEcho() {
    String user = "overtaken@example.com";
    loop.didomi.changeConsentsWithoutWebhook(user, new JsonObject().put("purposes", new JsonArray()
        .add(new JsonObject().put("id", "newsletter").put("enabled", false)))).await();
    loop.http.postDidomi("acme", loop.http.token(), DidomiPayloads.eventCreated("evt-1", user, "2026-11-20T10:00:00Z", false));
    loop.awaitQuiet(user);

    // Didomi's Consents API is down a moment: the write-backs of her two Actito changes wait
    loop.didomi.addFault(FaultRule.fraction(1.0, 503).onPathsContaining("/consents/events"));
    loop.actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", true, "SmsOffers", false));
    Eventually.await(Loop.WAIT, "the first write-back waiting", () -> loop.view(user).contains("\"what\":\"retry\""));
    loop.actito.sandbox().changeSubscriptions(user, Map.of("SmsOffers", true));
    Eventually.await(Loop.WAIT, "both Actito webhooks delivered",
        () -> loop.actito.sandbox().webhookDeliveries().stream().filter(d -> d.delivered()).count() >= 3);
    loop.didomi.clearFaults();
    // the first write-back now carries Newsletter only (its SmsOffers=false was overtaken), the second SmsOffers=true
    loop.awaitQuiet(user);
    assertThat(loop.inDidomi(user)).containsEntry("SmsOffers", true);

    // in Didomi, she now turns SMS offers off: her newest choice
    loop.didomi.changeConsents(user, new JsonObject().put("purposes", new JsonArray().add(new JsonObject()
        .put("id", "marketing").put("values", new JsonObject().put("channels", new JsonObject().put("value", "email"))))))
        .await();
    Eventually.await(Loop.WAIT, "Didomi's webhook received",
        () -> loop.didomi.webhookDeliveries().stream().allMatch(d -> d.delivered()) && loop.didomi.webhookDeliveries().size() >= 3);
    loop.awaitQuiet(user);

    String story = "\nDidomi holds " + loop.didomi.user(user).map(JsonObject::encode).orElse("nothing")
        + "\nuser view: " + loop.view(user);
    assertThat(loop.inDidomi(user)).as("Didomi" + story).containsEntry("SmsOffers", false);
    assertThat(loop.actito.subscriptions(user).orElseThrow()).as("Actito follows her newest choice, made in Didomi" + story)
        .containsEntry("SmsOffers", false);
  }
}
