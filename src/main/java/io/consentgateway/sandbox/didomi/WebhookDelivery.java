package io.consentgateway.sandbox.didomi;

import io.consentgateway.sandbox.WebhookAttempt;
import io.vertx.core.json.JsonObject;

/**
 * One Didomi webhook the sandbox emitted, as {@code GET /_sandbox/webhooks/deliveries} lists it:
 * its {@code type} ({@code user.created} / {@code user.updated}), the user, the id of the imported
 * consent event that caused it, the attempts made, the last HTTP status (0: no answer) and whether the target
 * accepted it (2xx); {@code error} says why the last attempt failed. {@code body} is the webhook
 * exactly as posted.
 */
public record WebhookDelivery(
    long sequence, String type, String organizationUserId, String eventId, int attempts, int status,
    boolean delivered, String error, String body) {

  /** This delivery after one more attempt. */
  WebhookDelivery after(WebhookAttempt attempt) {
    return new WebhookDelivery(sequence, type, organizationUserId, eventId, attempts + 1, attempt.status(),
        attempt.delivered(), attempt.error(), body);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("sequence", sequence)
        .put("type", type)
        .put("organizationUserId", organizationUserId)
        .put("eventId", eventId)
        .put("attempts", attempts)
        .put("status", status)
        .put("delivered", delivered)
        .put("error", error)
        .put("body", body);
  }
}
