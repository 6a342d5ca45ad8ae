package io.consentgateway.store;

import io.consentgateway.mapping.ConsentState;
import java.util.Map;

/**
 * The oldest pending write-back to Didomi of one user, leased to one dispatcher. {@code desired}
 * is the user's merged state when leased: a subscription whose value has moved on since Actito
 * reported it (its stamp, {@code createdAtMillis}, is no longer the state's) was overtaken by a
 * newer change and must not be written. {@code verify}: the report could be the late echo of the
 * gateway's own write, and counts only once Actito has been read ({@link DidomiWriteOutcome.Checked}). {@code lease}: the
 * claim's lease, handed back with the outcome ({@link Lease}).
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
    long claimedAtMillis,
    boolean verify,
    Lease lease) {}
