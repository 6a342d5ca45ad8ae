package io.consentgateway.store;

import io.consentgateway.mapping.ActitoChangeFacts;
import java.util.Map;
import java.util.Objects;

/**
 * One profile's subscription change reported by an Actito webhook, authenticated and reduced to
 * the mapped subscriptions. {@code deliveryKey} ({@code ActitoProfileChange#deliveryKey}) identifies it for
 * idempotency; {@code body} is the raw webhook, kept for audit; {@code facts} says what the change
 * stands for in the user's state (the integration's {@code ReverseMapper}).
 */
public record ActitoSubscriptionChange(
    String integration,
    String deliveryKey,
    String userKey,
    Long profileId,
    Map<String, Boolean> subscriptions,
    long receivedAtMillis,
    byte[] body,
    ActitoChangeFacts facts) {

  /** A change whose subscriptions stand for their own plain values ({@link ActitoChangeFacts#PLAIN}). */
  public ActitoSubscriptionChange(String integration, String deliveryKey, String userKey, Long profileId,
      Map<String, Boolean> subscriptions, long receivedAtMillis, byte[] body) {
    this(integration, deliveryKey, userKey, profileId, subscriptions, receivedAtMillis, body, ActitoChangeFacts.PLAIN);
  }

  public ActitoSubscriptionChange {
    Objects.requireNonNull(integration, "integration");
    Objects.requireNonNull(deliveryKey, "deliveryKey");
    Objects.requireNonNull(userKey, "userKey");
    subscriptions = Map.copyOf(subscriptions);
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(facts, "facts");
  }
}
