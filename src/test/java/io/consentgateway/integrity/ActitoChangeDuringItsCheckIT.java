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
 * Found by {@link ConsentIntegrityIT} (seed 20261201: user-0002, -0054, -0115, -0132, -0150), reduced
 * to one user and three clicks in Actito. Guarantees 3 and 9: a change made in Actito is never
 * taken for an echo, and the newest change wins in both systems.
 */
class ActitoChangeDuringItsCheckIT {

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
  void aChangeBackMadeInActitoWhileTheGatewayChecksThePreviousOneIsTheUsersNewestChoice() {
    String user = "toggles@example.com";
    // Didomi: she unsubscribed (a change of the past): the gateway writes Newsletter=false to Actito
    loop.didomi.changeConsentsWithoutWebhook(user, newsletter(false)).await();
    assertThat(loop.http.postDidomi("acme", loop.http.token(),
        DidomiPayloads.eventCreated("evt-1", user, "2026-11-20T10:00:00Z", false)).statusCode()).isEqualTo(202);
    loop.awaitQuiet(user);
    assertThat(loop.actito.subscriptions(user)).hasValue(Map.of("Newsletter", false));

    // Actito, click 1: she subscribes; a change made in Actito, Didomi follows
    loop.actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", true));
    Eventually.await(Loop.WAIT, "Didomi subscribed", () -> Boolean.TRUE.equals(loop.inDidomi(user).get("Newsletter")));
    loop.awaitQuiet(user);

    // reading a profile from Actito takes a while from now on (well within the call timeout)
    loop.actito.sandbox().addFault(FaultRule.latency(1500).onPathsContaining("/profile/customerId="));
    // click 2: she unsubscribes; false is also what the gateway itself wrote within the echo
    // window, so it reads Actito before the report counts
    loop.actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", false));
    Eventually.await(Loop.WAIT, "the report is being checked", () -> loop.view(user).contains("to_verify"));
    // click 3, while that check runs: she subscribes again; this is her newest choice
    loop.actito.sandbox().changeSubscriptions(user, Map.of("Newsletter", true));
    Eventually.await(Loop.WAIT, "Actito's three webhooks delivered",
        () -> loop.actito.sandbox().webhookDeliveries().stream().filter(d -> d.delivered()).count() >= 4);
    loop.actito.sandbox().clearFaults();
    loop.awaitQuiet(user);

    String story = "\nuser view: " + loop.view(user);
    assertThat(loop.actito.subscriptions(user)).as("Actito holds her newest choice" + story)
        .hasValue(Map.of("Newsletter", true));
    assertThat(loop.inDidomi(user).get("Newsletter")).as("Didomi holds her newest choice" + story).isTrue();
  }

  private static JsonObject newsletter(boolean on) {
    return new JsonObject().put("purposes", new JsonArray().add(new JsonObject().put("id", "newsletter").put("enabled", on)));
  }
}
