package io.consentgateway.sandbox.didomi;

import io.consentgateway.sandbox.Eventually;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.List;
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

  record Received(String authorization, JsonObject body) {}

  final Queue<Received> received = new ConcurrentLinkedQueue<>();
  final Queue<String> tokenForms = new ConcurrentLinkedQueue<>();
  private final Queue<Integer> statuses = new ArrayDeque<>();
  private final HttpServer server;

  private WebhookReceiver(HttpServer server) {
    this.server = server;
  }

  static WebhookReceiver start(Vertx vertx) {
    var holder = new WebhookReceiver[1];
    HttpServer server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      WebhookReceiver self = holder[0];
      if (request.path().equals("/oauth/token")) {
        String form = body.toString();
        self.tokenForms.add(form);
        boolean ok = form.contains("grant_type=client_credentials") && form.contains("client_id=didomi")
            && form.contains("client_secret=hook-secret");
        request.response().setStatusCode(ok ? 200 : 401).putHeader("Content-Type", "application/json")
            .end(ok ? new JsonObject().put("access_token", TOKEN).put("token_type", "Bearer").put("expires_in", 3600).encode()
                : "{\"error\":\"invalid_client\"}");
        return;
      }
      self.received.add(new Received(request.getHeader("Authorization"), body.toJsonObject()));
      Integer status;
      synchronized (self.statuses) {
        status = self.statuses.poll();
      }
      request.response().setStatusCode(status == null ? 200 : status).end("{}");
    }));
    var receiver = new WebhookReceiver(server.listen(0, "127.0.0.1").await());
    holder[0] = receiver;
    return receiver;
  }

  /** The next webhooks are answered these statuses, in order. */
  void answer(Integer... next) {
    synchronized (statuses) {
      statuses.addAll(List.of(next));
    }
  }

  DidomiWebhookTarget target() {
    String base = "http://127.0.0.1:" + server.actualPort();
    return new DidomiWebhookTarget(base + "/webhooks/didomi/acme", base + "/oauth/token", "didomi", "hook-secret");
  }

  List<Received> awaitWebhooks(int count) {
    waitUntil(() -> received.size() >= count);
    return List.copyOf(received);
  }

  static void waitUntil(BooleanSupplier condition) {
    Eventually.waitUntil(condition);
  }

  @Override
  public void close() {
    server.close().await();
  }
}
