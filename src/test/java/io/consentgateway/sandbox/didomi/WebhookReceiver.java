package io.consentgateway.sandbox.didomi;

import io.consentgateway.support.Eventually;
import io.consentgateway.sandbox.WebhookRecorder;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;

/**
 * A stand-in for the gateway's side of Didomi webhooks, over real HTTP: {@code POST /oauth/token}
 * issues a token for client {@code didomi} / {@code hook-secret}, {@code POST /webhooks/didomi/acme}
 * records what arrives and answers the next queued status (200 when none is queued).
 */
final class WebhookReceiver implements AutoCloseable {

  static final String TOKEN = "gw-token";

  final Queue<WebhookRecorder.Received> received;
  final Queue<String> tokenForms = new ConcurrentLinkedQueue<>();
  private final WebhookRecorder recorder;

  private WebhookReceiver(Vertx vertx) {
    this.recorder = WebhookRecorder.start(vertx, "Authorization", Map.of("/oauth/token", (request, body) -> {
      String form = body.toString();
      tokenForms.add(form);
      boolean ok = form.contains("grant_type=client_credentials") && form.contains("client_id=didomi")
          && form.contains("client_secret=hook-secret");
      request.response().setStatusCode(ok ? 200 : 401).putHeader("Content-Type", "application/json")
          .end(ok ? new JsonObject().put("access_token", TOKEN).put("token_type", "Bearer").put("expires_in", 3600).encode()
              : "{\"error\":\"invalid_client\"}");
    }));
    this.received = recorder.received;
  }

  static WebhookReceiver start(Vertx vertx) {
    return new WebhookReceiver(vertx);
  }

  /** The next webhooks are answered these statuses, in order. */
  void answer(Integer... next) {
    recorder.answer(next);
  }

  DidomiWebhookTarget target() {
    String base = "http://127.0.0.1:" + recorder.port();
    return new DidomiWebhookTarget(base + "/webhooks/didomi/acme", base + "/oauth/token", "didomi", "hook-secret");
  }

  List<WebhookRecorder.Received> awaitWebhooks(int count) {
    return recorder.awaitWebhooks(count);
  }

  static void waitUntil(BooleanSupplier condition) {
    Eventually.waitUntil(condition);
  }

  @Override
  public void close() {
    recorder.close();
  }
}
