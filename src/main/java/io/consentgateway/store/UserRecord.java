package io.consentgateway.store;

import io.consentgateway.mapping.ConsentState;
import java.util.List;

/**
 * Everything the store knows of one user, for "why isn't this user unsubscribed?": the merged
 * state, what Actito acknowledged, the retry schedule, the dead letter if any, and the recent
 * history (webhooks received, dispatches and their outcomes), newest first.
 */
public record UserRecord(
    String integration,
    String userKey,
    ConsentState desired,
    ConsentState acknowledged,
    Long profileId,
    int pendingChanges,
    Long dirtySinceMillis,
    Long nextAttemptMillis,
    int attempts,
    String lastError,
    List<DeadLetterEntry> deadLetters,
    List<PendingDidomiWrite> pendingDidomiWrites,
    List<HistoryEntry> history) {

  /**
   * A write-back to Didomi not yet done; {@code verify}: it may be the late echo of the gateway's
   * own write, and waits to read Actito before it counts.
   */
  public record PendingDidomiWrite(
      String deliveryKey, String subscriptionsJson, long createdAtMillis, Long nextAttemptMillis, int attempts,
      String lastError, boolean dead, boolean verify) {}

  /** One line of a user's history. */
  public record HistoryEntry(long atMillis, String kind, String direction, String what, Integer status, String detail) {}
}
