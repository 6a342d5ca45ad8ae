package io.consentgateway.store;

import io.consentgateway.mapping.ConsentState;
import java.util.Map;

/**
 * The oldest pending write-back to Didomi of one user, leased to one dispatcher. {@code desired}
 * is the user's merged state when leased: a subscription whose value has moved on since Actito
 * reported it was superseded by a newer change and must not be written.
 */
public record ClaimedDidomiWrite(
    long id,
    String integration,
    String userKey,
    String deliveryKey,
    Long profileId,
    Map<String, Boolean> subscriptions,
    ConsentState desired,
    int attempts,
    long createdAtMillis,
    long claimedAtMillis) {}
