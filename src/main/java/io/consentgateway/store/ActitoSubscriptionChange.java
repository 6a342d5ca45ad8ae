package io.consentgateway.store;

import java.util.Map;
import java.util.Objects;

/**
 * One profile's subscription change reported by an Actito webhook, authenticated and reduced to
 * the mapped subscriptions. {@code deliveryKey} ({@code ActitoProfileChange#deliveryKey}) identifies it for
 * idempotency; {@code body} is the raw webhook, kept for audit.
 */
public record ActitoSubscriptionChange(
    String integration,
    String deliveryKey,
    String userKey,
    Long profileId,
    Map<String, Boolean> subscriptions,
    long receivedAtMillis,
    byte[] body) {

  public ActitoSubscriptionChange {
    Objects.requireNonNull(integration, "integration");
    Objects.requireNonNull(deliveryKey, "deliveryKey");
    Objects.requireNonNull(userKey, "userKey");
    subscriptions = Map.copyOf(subscriptions);
    Objects.requireNonNull(body, "body");
  }
}
