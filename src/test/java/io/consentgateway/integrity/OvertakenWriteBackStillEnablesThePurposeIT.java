package io.consentgateway.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.sandbox.FaultRule;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Found attacking the packaged jar (issue 9): subscribing to SMS offers in Actito while Didomi
 * holds {@code marketing} disabled stands, in the gateway, for two facts — marketing enabled, sms
 * selected. When a newer Didomi change overtakes the selection before the write-back reaches
 * Didomi (here Didomi's API answers 503 for a while), the write-back was dropped whole: Didomi kept
 * marketing disabled while the gateway held it enabled, and the next selection-only change ended
 * subscribed in Actito and unsubscribed in Didomi. What is left of the write-back (the purpose's
 * {@code enabled}) must still be written.
 */
class OvertakenWriteBackStillEnablesThePurposeIT {

  private static final String USER = "overtaken@example.com";

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
  void theEnablingOfThePurposeReachesDidomiWhenTheValueWasOvertaken() throws Exception {
    didomi(new JsonObject().put("id", "marketing").put("enabled", false).put("values", channels("sms")));
    loop.awaitQuiet(USER);
    assertThat(loop.actito.subscriptions(USER)).hasValue(Map.of(Consent.SMS_OFFERS, false));

    loop.didomi.addFault(FaultRule.burst(3, 503).onPathsContaining("/consents/events")); // the write-back waits
    loop.actito.sandbox().changeSubscriptions(USER, Map.of(Consent.SMS_OFFERS, true));
    Thread.sleep(300);
    didomi(new JsonObject().put("id", "marketing").put("values", channels(""))); // newer: sms deselected
    loop.awaitQuiet(USER);
    assertBothSay(false);

    didomi(new JsonObject().put("id", "marketing").put("values", channels("sms"))); // selected again, enabled not carried
    loop.awaitQuiet(USER);
    assertBothSay(true);
  }

  private void didomi(JsonObject purpose) {
    loop.didomi.changeConsents(USER, new JsonObject().put("purposes", new JsonArray().add(purpose))).await();
  }

  private void assertBothSay(boolean smsOffers) {
    String story = "\nDidomi holds " + loop.didomi.user(USER).map(JsonObject::encode).orElse("nothing")
        + "\nuser view: " + loop.view(USER);
    assertThat(loop.inDidomi(USER)).as("what Didomi's consent means, by the mapping rules" + story)
        .containsEntry(Consent.SMS_OFFERS, smsOffers);
    assertThat(loop.actito.subscriptions(USER)).as("Actito" + story).hasValue(Map.of(Consent.SMS_OFFERS, smsOffers));
  }

  private static JsonObject channels(String selection) {
    return new JsonObject().put("channels", new JsonObject().put("value", selection));
  }
}
