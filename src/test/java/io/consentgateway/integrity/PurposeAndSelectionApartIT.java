package io.consentgateway.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.consentgateway.support.WebhookBody;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Found by {@link ConsentIntegrityIT} (seed 1: user-0009 and user-0057; seed 3), reduced to one
 * user each. Didomi events are partial: the {@code marketing} purpose's {@code enabled} and its
 * {@code channels} selection change in separate webhooks, and SmsOffers (marketing / channels /
 * sms) depends on both as Didomi holds them (guarantees 3 and 7). Only the events' webhooks reach
 * the gateway (a {@code user.updated} would repeat the whole state), each with its own id and
 * time, and Didomi holds their merge. Both fail when the gateway reads each webhook on its own.
 */
class PurposeAndSelectionApartIT {

  private static final String USER = "apart@example.com";

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
  void aValueSelectedWhileItsPurposeIsDisabledStaysOff() {
    change(new JsonObject().put("id", "marketing").put("enabled", false));
    // sms selected, enabled not carried: Didomi still holds marketing disabled
    change(new JsonObject().put("id", "marketing").put("values", channels("email, sms")));

    assertBothSay(false);
  }

  @Test
  void enablingThePurposeAloneBringsBackTheValueSelectedMeanwhile() {
    change(new JsonObject().put("id", "marketing").put("enabled", false).put("values", channels("email")));
    change(new JsonObject().put("id", "marketing").put("values", channels("sms")));
    assertBothSay(false);

    // marketing enabled, no selection carried: Didomi's sms selection counts again
    change(new JsonObject().put("id", "marketing").put("enabled", true));

    assertBothSay(true);
  }

  private int events;

  // Didomi takes the change; the gateway hears of it by its event.created webhook alone
  private void change(JsonObject purpose) {
    loop.didomi.changeConsentsWithoutWebhook(USER, new JsonObject().put("purposes", new JsonArray().add(purpose)))
        .await();
    JsonObject values = purpose.getJsonObject("values");
    String selection = values == null ? null : values.getJsonObject("channels").getString("value");
    Boolean enabled = purpose.getBoolean("enabled");
    WebhookBody body = WebhookBody.eventCreated(Instant.now().truncatedTo(ChronoUnit.MILLIS).toString())
        .entityId("apart-" + ++events).user(USER);
    body = selection == null ? body.purpose("marketing", enabled) : body.purpose("marketing", enabled, "channels", selection);
    assertThat(loop.http.postDidomi("acme", loop.http.token(), body.bytes()).statusCode()).isEqualTo(202);
    loop.awaitQuiet(USER);
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
