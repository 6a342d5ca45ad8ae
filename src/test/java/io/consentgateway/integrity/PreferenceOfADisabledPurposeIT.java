package io.consentgateway.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Found by {@link ConsentIntegrityIT} (seed 20261201: user-0006, -0043, -0048, -0052, -0057, -0078,
 * -0117), reduced to one user. Guarantees 3 and 7: both systems end with the newest change, read
 * by the mapping rules (a purpose {@code enabled: false} unsubscribes all its mappings).
 */
class PreferenceOfADisabledPurposeIT {

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
  void subscribingInActitoToAPreferenceOfAPurposeDisabledInDidomiMeansTheSameInDidomi() {
    String user = "no-marketing@example.com";
    // Didomi: she turned marketing off altogether; SmsOffers (marketing / channels / sms) is off in Actito
    loop.didomi.changeConsents(user, new JsonObject().put("purposes", new JsonArray()
        .add(new JsonObject().put("id", "marketing").put("enabled", false)))).await();
    loop.awaitQuiet(user);
    assertThat(loop.actito.subscriptions(user)).hasValue(Map.of("SmsOffers", false));

    // Actito: she subscribes to SMS offers, her newest choice
    loop.actito.sandbox().changeSubscriptions(user, Map.of("SmsOffers", true));
    loop.awaitQuiet(user);

    String story = "\nDidomi holds " + loop.didomi.user(user).map(JsonObject::encode).orElse("nothing")
        + "\nuser view: " + loop.view(user);
    assertThat(loop.actito.subscriptions(user)).as("Actito" + story).hasValue(Map.of("SmsOffers", true));
    assertThat(loop.inDidomi(user)).as("what Didomi's consent means for SmsOffers, by the mapping rules" + story)
        .containsEntry("SmsOffers", true);
  }
}
