package io.consentgateway.sandbox.actito;

import io.consentgateway.sandbox.WebhookAttempt;
import io.vertx.core.json.JsonObject;

/**
 * One Actito webhook the sandbox sent, as {@code GET /_sandbox/webhooks/deliveries} lists it: the
 * subscription ({@code subscriptionId}, its position from 1) and target, the envelope {@code
 * webhookId}, the attempts made, the last HTTP status (0: no answer), whether the target accepted it
 * (2xx), why the last attempt failed, and the body exactly as posted. Header values are never kept.
 */
public record WebhookDelivery(
    long sequence, int subscriptionId, String targetUrl, String webhookId, int attempts, int status,
    boolean delivered, String error, String body) {

  /** This delivery after one more attempt. */
  WebhookDelivery after(WebhookAttempt attempt) {
    return new WebhookDelivery(sequence, subscriptionId, targetUrl, webhookId, attempts + 1, attempt.status(),
        attempt.delivered(), attempt.error(), body);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("sequence", sequence)
        .put("subscriptionId", subscriptionId)
        .put("targetUrl", targetUrl)
        .put("webhookId", webhookId)
        .put("attempts", attempts)
        .put("status", status)
        .put("delivered", delivered)
        .put("error", error)
        .put("body", body);
  }
}
