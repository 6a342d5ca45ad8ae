package io.consentgateway.http;

import io.consentgateway.logging.LogText;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The one place where failures become HTTP answers: every error the gateway returns is JSON,
 * {@code {"error": "...", "detail": "..."}}, and never carries a secret or a stack trace.
 */
public final class JsonErrors {

  private JsonErrors() {}

  /**
   * Answers {@code ctx}'s request. A refusal sent before a declared body was read (401, 403, 413,
   * ...) also closes the HTTP/1.x connection: the rest of that body is not worth reading, and the
   * paused request would otherwise hold the connection until a timeout.
   */
  public static void send(RoutingContext ctx, int status, String error, String detail) {
    HttpServerRequest request = ctx.request();
    if (!hasUnreadBody(request) || request.version() == HttpVersion.HTTP_2) {
      send(ctx.response(), status, error, detail);
      return;
    }
    ctx.response().putHeader("Connection", "close");
    // A lingering close: the rest of the body is read and thrown away for a moment before the
    // connection closes. Closed at once, with the client still sending, the connection is reset and
    // the client may never read the answer (a 413 seen as "connection reset").
    var connection = request.connection();
    long[] discarded = {0};
    boolean[] closed = {false};
    Runnable close = () -> {
      if (!closed[0]) {
        closed[0] = true;
        connection.close();
      }
    };
    send(ctx.response(), status, error, detail).onComplete(sent -> {
      if (request.isEnded()) {
        close.run();
        return;
      }
      request.handler(chunk -> {
        discarded[0] += chunk.length();
        if (discarded[0] > LINGER_BYTES) {
          close.run();
        }
      });
      request.endHandler(v -> close.run());
      request.exceptionHandler(e -> close.run());
      request.resume();
      ctx.vertx().setTimer(LINGER_MILLIS, id -> close.run());
    });
  }

  // how much of an unread body is drained, and for how long, before closing after an error
  private static final long LINGER_BYTES = 4L * 1024 * 1024;
  private static final long LINGER_MILLIS = 2_000;

  public static Future<Void> send(HttpServerResponse response, int status, String error, String detail) {
    if (response.ended() || response.closed()) {
      return Future.succeededFuture();
    }
    JsonObject body = new JsonObject().put("error", error);
    if (detail != null) {
      body.put("detail", detail);
    }
    return response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.toBuffer());
  }

  /** Answers the failures vertx-web raises itself (unknown route, oversized body, ...) in JSON too. */
  public static void install(Router router) {
    router.errorHandler(400, ctx -> send(ctx, 400, "bad_request", "the request could not be read"));
    router.errorHandler(404, ctx -> send(ctx, 404, "not_found", "no such endpoint: " + LogText.of(ctx.request().path())));
    router.errorHandler(405, ctx -> send(ctx, 405, "method_not_allowed", LogText.of(ctx.request().method().name()) + " is not allowed here"));
    router.errorHandler(413, ctx -> send(ctx, 413, "payload_too_large", "the body exceeds the configured maximum"));
    router.errorHandler(415, ctx -> send(ctx, 415, "unsupported_media_type", null));
    router.errorHandler(500, ctx -> send(ctx, 500, "internal_error", "unexpected failure; see the gateway log"));
  }

  private static boolean hasUnreadBody(HttpServerRequest request) {
    if (request.isEnded()) {
      return false;
    }
    String length = request.getHeader("Content-Length");
    return request.getHeader("Transfer-Encoding") != null || (length != null && !length.trim().equals("0"));
  }
}
