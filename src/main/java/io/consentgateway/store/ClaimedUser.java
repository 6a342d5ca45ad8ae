package io.consentgateway.store;

import io.consentgateway.mapping.ConsentState;

/**
 * A user with changes to send, leased to one dispatcher until its outcome is recorded. {@code
 * pendingChanges} is the number of changes merged since the last acknowledgement when the lease was
 * taken: changes merged later (while the call is in flight) keep the user dirty after the outcome,
 * so the next call carries them (coalescing). {@code refused}: the user's fields Actito refused,
 * by field name, with the value refused ({@link io.consentgateway.mapping.DeliveryRules}). {@code
 * lease}: the claim's lease, handed back with the outcome ({@link Lease}).
 */
public record ClaimedUser(
    String integration,
    String userKey,
    ConsentState desired,
    ConsentState acknowledged,
    Long profileId,
    int pendingChanges,
    int attempts,
    long dirtySinceMillis,
    long claimedAtMillis,
    java.util.Map<String, String> refused,
    Lease lease) {

  public ClaimedUser {
    refused = java.util.Map.copyOf(refused);
  }
}
