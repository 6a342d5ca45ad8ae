package io.consentgateway.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the raw request body into memory up to a limit, whatever its content type, and answers 413
 * beyond it. Unlike vertx-web's {@code BodyHandler} it never decodes a form, so a webhook sent with
 * a misleading {@code Content-Type} is still judged on its bytes. The body is then at {@link #body}.
 */
public final class BoundedBody implements Handler<RoutingContext> {

  private static final Logger log = LoggerFactory.getLogger(BoundedBody.class);
  private static final String KEY = "consent-gateway.raw-body";

  private final long limit;

  public BoundedBody(long limit) {
    this.limit = limit;
  }

  public static Buffer body(RoutingContext ctx) {
    Buffer body = ctx.get(KEY);
    return body == null ? Buffer.buffer() : body;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String declared = request.getHeader("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > limit) {
          tooLarge(ctx);
          return;
        }
      } catch (NumberFormatException e) {
        JsonErrors.send(ctx, 400, "bad_request", "invalid Content-Length");
        return;
      }
    }
    Buffer body = Buffer.buffer();
    boolean[] exceeded = {false};
    request.handler(chunk -> {
      if (exceeded[0]) {
        return;
      }
      if (body.length() + chunk.length() > limit) {
        exceeded[0] = true;
        tooLarge(ctx);
        return;
      }
      body.appendBuffer(chunk);
    });
    // a malformed chunk or a client hanging up mid-body: the connection is gone, nothing to answer
    request.exceptionHandler(error -> {
      exceeded[0] = true;
      log.debug("request body from {} not read: {}", request.remoteAddress(), error.toString());
    });
    request.endHandler(v -> {
      if (!exceeded[0]) {
        ctx.put(KEY, body);
        ctx.next();
      }
    });
    request.resume();
  }

  private void tooLarge(RoutingContext ctx) {
    // JsonErrors closes the connection after answering: the rest of the body is not worth reading
    JsonErrors.send(ctx, 413, "payload_too_large", "the body exceeds " + limit + " bytes");
  }
}
