package io.consentgateway.actito;

import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.RemoteCallException.RetryReason;
import java.time.Duration;

/**
 * What became of one change sent to Actito by an {@link ActitoApi} adapter. Exactly one of:
 * {@link Delivered} (Actito holds it, under {@code profileId}: remember it for the next change),
 * {@link NotInActito} (update-only mode and no such profile: recorded, not retried, never created),
 * {@link Permanent} (Actito rejected it: a dead letter carrying Actito's status and body) or
 * {@link Retryable} (try again later, after at least {@code retryAfter} when present; reason
 * {@link RetryReason#BREAKER_OPEN} and {@code authFailed} must never become dead letters).
 */
public sealed interface SyncResult {

  record Delivered(long profileId) implements SyncResult {}

  record NotInActito(String organizationUserId) implements SyncResult {}

  /** {@code status} 0 when the change itself was unusable (malformed body), with the reason in {@code body}. */
  record Permanent(ActitoOperation operation, int status, String body, String message) implements SyncResult {}

  /**
   * {@code authFailed}: Actito refuses the API key — pause the integration's dispatch (health shows
   * it) rather than counting attempts toward a dead letter.
   */
  record Retryable(RetryReason reason, Duration retryAfter, boolean authFailed, String message)
      implements SyncResult {}
}
