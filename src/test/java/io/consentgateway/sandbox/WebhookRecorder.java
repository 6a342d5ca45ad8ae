package io.consentgateway.sandbox;

import io.consentgateway.support.Eventually;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiConsumer;

/**
 * A webhook target for sandbox tests, over real HTTP on 127.0.0.1: it records every webhook posted
 * to it (the value of one authorization header, and the JSON body) and answers the next queued
 * status, 200 when none is queued, or nothing at all once told to hang. Paths given at start
 * (a token endpoint, say) are served by their own handler instead.
 */
public final class WebhookRecorder implements AutoCloseable {

  /** One webhook as it arrived. */
  public record Received(String authorization, JsonObject body) {}

  /** Every webhook received, oldest first. */
  public final Queue<Received> received = new ConcurrentLinkedQueue<>();
  private final Queue<Integer> statuses = new ArrayDeque<>();
  private volatile boolean hang;
  private HttpServer server;

  private WebhookRecorder() {}

  /**
   * Starts one; {@code authorizationHeader} names the header each {@link Received} keeps, and
   * {@code otherPaths} maps exact paths to what serves them (with the request body read).
   */
  public static WebhookRecorder start(Vertx vertx, String authorizationHeader,
      Map<String, BiConsumer<HttpServerRequest, Buffer>> otherPaths) {
    var recorder = new WebhookRecorder();
    recorder.server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      BiConsumer<HttpServerRequest, Buffer> other = otherPaths.get(request.path());
      if (other != null) {
        other.accept(request, body);
        return;
      }
      recorder.received.add(new Received(request.getHeader(authorizationHeader), body.toJsonObject()));
      if (recorder.hang) {
        return; // never answered
      }
      Integer status;
      synchronized (recorder.statuses) {
        status = recorder.statuses.poll();
      }
      request.response().setStatusCode(status == null ? 200 : status).end("{}");
    })).listen(0, "127.0.0.1").await();
    return recorder;
  }

  public int port() {
    return server.actualPort();
  }

  /** The next webhooks are answered these statuses, in order. */
  public void answer(Integer... next) {
    synchronized (statuses) {
      statuses.addAll(List.of(next));
    }
  }

  /** From now on webhooks are recorded but never answered. */
  public void hang() {
    hang = true;
  }

  /** Waits until {@code count} webhooks arrived; returns all received so far. */
  public List<Received> awaitWebhooks(int count) {
    Eventually.waitUntil(() -> received.size() >= count);
    return List.copyOf(received);
  }

  @Override
  public void close() {
    server.close().await();
  }
}
