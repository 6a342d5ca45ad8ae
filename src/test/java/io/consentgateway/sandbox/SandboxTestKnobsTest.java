package io.consentgateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.sandbox.actito.ActitoSandbox;
import io.consentgateway.sandbox.actito.SandboxOptions;
import io.consentgateway.sandbox.actito.WebhookSubscription;
import io.consentgateway.sandbox.didomi.DidomiSandbox;
import io.consentgateway.sandbox.didomi.DidomiSandboxOptions;
import io.consentgateway.sandbox.didomi.DidomiWebhookTarget;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The sandboxes' knobs that a randomized end-to-end run needs (ConsentIntegrityIT). */
@ExtendWith(VertxExtension.class)
class SandboxTestKnobsTest {

  @Test
  void actitoRefusesEveryKeyWhileToldToAndAcceptsItAgainAfter(Vertx vertx) {
    ActitoSandbox sandbox = ActitoSandbox.start(vertx, new SandboxOptions()).await();
    WebClient http = WebClient.create(vertx);
    try {
      sandbox.refuseApiKeys(true);
      int refused = token(http, sandbox);
      sandbox.refuseApiKeys(false);
      int accepted = token(http, sandbox);

      assertThat(refused).isEqualTo(401);
      assertThat(accepted).isEqualTo(200);
      assertThat(sandbox.apiKeysRefused()).isFalse();
    } finally {
      http.close();
      sandbox.stop().await();
    }
  }

  @Test
  void actitoTellsWhetherAUsersChangeChangedAnythingAndNotifiesOnlyThen(Vertx vertx) {
    WebhookRecorder target = WebhookRecorder.start(vertx, "X-Authorization", Map.of());
    ActitoSandbox sandbox = ActitoSandbox.start(vertx, new SandboxOptions().setSubscriptions(List.of("Newsletter"))
        .addWebhookSubscription(WebhookSubscription.updatedSubscription(
            "http://127.0.0.1:" + target.port() + "/hook", Map.of("X-Authorization", "s")))).await();
    try {
      sandbox.seedProfile("ann@example.com", new JsonObject(), new JsonObject().put("Newsletter", true));

      var same = sandbox.userChangesSubscriptions("ann@example.com", Map.of("Newsletter", true));
      var changed = sandbox.userChangesSubscriptions("ann@example.com", Map.of("Newsletter", false));
      var nobody = sandbox.userChangesSubscriptions("bob@example.com", Map.of("Newsletter", false));

      assertThat(same).isEqualTo(ActitoSandbox.UserChange.NOTHING_CHANGED);
      assertThat(changed).isEqualTo(ActitoSandbox.UserChange.CHANGED);
      assertThat(nobody).isEqualTo(ActitoSandbox.UserChange.NO_SUCH_PROFILE);
      assertThat(target.awaitWebhooks(1)).hasSize(1);
      io.consentgateway.support.Eventually.waitUntil(() -> sandbox.webhookDeliveries().stream().allMatch(d -> d.delivered()));
      assertThat(sandbox.webhookDeliveries()).hasSize(1);
    } finally {
      sandbox.stop().await();
      target.close();
    }
  }

  @Test
  void didomiHoldsAChangeMadeWithoutItsWebhookAndSaysWhatItHeldBefore(Vertx vertx) {
    WebhookRecorder target = WebhookRecorder.start(vertx, "Authorization", Map.of("/oauth/token", (request, body) ->
        request.response().putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("access_token", "t").put("expires_in", 3600).encode())));
    String base = "http://127.0.0.1:" + target.port();
    DidomiSandbox sandbox = DidomiSandbox.start(vertx, new DidomiSandboxOptions().setOrganizationId("acme-org")
        .setWebhookTarget(new DidomiWebhookTarget(base + "/hook", base + "/oauth/token", "didomi", "x"))).await();
    try {
      JsonObject newsletter = new JsonObject().put("purposes", new JsonArray()
          .add(new JsonObject().put("id", "newsletter").put("enabled", true)));
      DidomiSandbox.QuietChange first = sandbox.changeConsentsWithoutWebhook("ann@example.com", newsletter).await();
      DidomiSandbox.QuietChange second = sandbox.changeConsentsWithoutWebhook("ann@example.com",
          new JsonObject().put("purposes", new JsonArray().add(new JsonObject().put("id", "newsletter").put("enabled", false)))
              .put("metadata", new JsonObject().put("seq", "2"))).await();
      sandbox.changeConsents("ann@example.com", newsletter).await(); // an ordinary change still emits

      assertThat(first.before()).isNull();
      assertThat(second.before().encode()).contains("\"enabled\":true");
      assertThat(second.after().encode()).contains("\"enabled\":false").contains("\"seq\":\"2\"");
      assertThat(sandbox.importedEvents()).isEqualTo(3);
      assertThat(target.awaitWebhooks(1)).hasSize(1);
      assertThat(sandbox.webhookDeliveries()).hasSize(1);
    } finally {
      sandbox.stop().await();
      target.close();
    }
  }

  private static int token(WebClient http, ActitoSandbox sandbox) {
    return http.getAbs(sandbox.baseUrl() + "/auth/token").putHeader("Authorization", SandboxOptions.DEFAULT_API_KEY)
        .send().await().statusCode();
  }
}
