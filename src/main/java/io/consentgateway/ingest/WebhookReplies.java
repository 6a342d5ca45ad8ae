package io.consentgateway.ingest;

import io.consentgateway.http.JsonErrors;
import io.consentgateway.store.StoreUnavailableException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answers both webhook handlers give, counted by integration and source ({@code didomi} or
 * {@code actito}): a refusal, a store that cannot take the change (503 with {@code Retry-After}),
 * and a plain outcome.
 */
final class WebhookReplies {

  private static final Logger log = LoggerFactory.getLogger(WebhookReplies.class);

  private final IngestMetrics metrics;
  private final String source;

  WebhookReplies(IngestMetrics metrics, String source) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.source = Objects.requireNonNull(source, "source");
  }

  void count(String integration, String outcome, String reason) {
    metrics.count(integration, source, outcome, reason);
  }

  void reject(RoutingContext ctx, String integration, int status, String error, String detail) {
    metrics.count(integration, source, "rejected", error);
    JsonErrors.send(ctx, status, error, detail);
  }

  void unavailable(RoutingContext ctx, String integration, Throwable cause) {
    int retryAfter = cause instanceof StoreUnavailableException e ? e.retryAfterSeconds() : 5;
    String reason = cause instanceof StoreUnavailableException e ? e.reason().name().toLowerCase() : "failed";
    metrics.count(integration, source, "unavailable", reason);
    if (!(cause instanceof StoreUnavailableException e && e.reason() == StoreUnavailableException.Reason.OVERLOADED)) {
      log.warn("webhook for integration {} refused, store unavailable: {}", integration, cause.getMessage());
    }
    ctx.response().putHeader("Retry-After", Integer.toString(retryAfter));
    JsonErrors.send(ctx, 503, "unavailable", "the change could not be stored (" + reason + "); retry later");
  }

  static void respond(RoutingContext ctx, int status, String outcome, String detail) {
    JsonObject body = new JsonObject().put("status", outcome);
    if (detail != null) {
      body.put("detail", detail);
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
  }
}
