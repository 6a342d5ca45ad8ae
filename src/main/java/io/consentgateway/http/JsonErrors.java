package io.consentgateway.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The one place where failures become HTTP answers: every error the gateway returns is JSON,
 * {@code {"error": "...", "detail": "..."}}, and never carries a secret or a stack trace.
 */
public final class JsonErrors {

  private JsonErrors() {}

  public static void send(RoutingContext ctx, int status, String error, String detail) {
    send(ctx.response(), status, error, detail);
  }

  public static void send(HttpServerResponse response, int status, String error, String detail) {
    if (response.ended() || response.closed()) {
      return;
    }
    JsonObject body = new JsonObject().put("error", error);
    if (detail != null) {
      body.put("detail", detail);
    }
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.toBuffer());
  }

  /** Answers the failures vertx-web raises itself (unknown route, oversized body, ...) in JSON too. */
  public static void install(Router router) {
    router.errorHandler(400, ctx -> send(ctx, 400, "bad_request", "the request could not be read"));
    router.errorHandler(404, ctx -> send(ctx, 404, "not_found", "no such endpoint: " + ctx.request().path()));
    router.errorHandler(405, ctx -> send(ctx, 405, "method_not_allowed", ctx.request().method() + " is not allowed here"));
    router.errorHandler(413, ctx -> send(ctx, 413, "payload_too_large", "the body exceeds the configured maximum"));
    router.errorHandler(415, ctx -> send(ctx, 415, "unsupported_media_type", null));
    router.errorHandler(500, ctx -> send(ctx, 500, "internal_error", "unexpected failure; see the gateway log"));
  }
}
