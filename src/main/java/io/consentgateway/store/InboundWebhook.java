package io.consentgateway.store;

import java.util.Objects;

/**
 * One authenticated, validated webhook ready to be stored. {@code dedupKey} identifies the delivery:
 * a redelivery of the same webhook carries the same key. {@code body} is the raw request body, kept
 * for audit and replay.
 */
public record InboundWebhook(
    String integration,
    WebhookSource source,
    String dedupKey,
    String userKey,
    String type,
    long receivedAtMillis,
    byte[] body) {

  public InboundWebhook {
    Objects.requireNonNull(integration, "integration");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(dedupKey, "dedupKey");
    Objects.requireNonNull(userKey, "userKey");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(body, "body");
  }
}
