package io.consentgateway.didomi;

import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.RemoteCallException.RetryReason;
import java.time.Duration;

/**
 * What became of one consent event sent to Didomi by {@link DidomiClient}. Exactly one of:
 * {@link Delivered} (Didomi holds it: 2xx, or 409 for an event id it had already imported — a
 * retry of a write that succeeded), {@link Permanent} (Didomi rejected it, 400/404/422 and other
 * client errors: a dead letter carrying Didomi's status and body) or {@link Retryable} (try again
 * after at least {@code retryAfter} when present; reason {@link RetryReason#BREAKER_OPEN} and
 * {@code authFailed} must never become dead letters).
 */
public sealed interface DidomiWriteResult {

  /** The result a failure of the one failure model ({@link RemoteCallException}) comes to. */
  static DidomiWriteResult of(RemoteCallException failure) {
    return switch (failure.kind()) {
      case RETRYABLE -> new Retryable(failure.retryReason(), failure.retryAfter().orElse(null), false,
          failure.getMessage());
      case AUTH_FAILED -> new Retryable(RetryReason.NONE, null, true, failure.getMessage());
      case NOT_FOUND, PERMANENT -> new Permanent(failure.status(), failure.body(), failure.getMessage());
    };
  }

  /** {@code alreadyImported}: Didomi answered 409 to a repeated event id; the event is there. */
  record Delivered(int status, boolean alreadyImported) implements DidomiWriteResult {}

  /** {@code body} is Didomi's answer, truncated; never a token. */
  record Permanent(int status, String body, String message) implements DidomiWriteResult {}

  /**
   * {@code authFailed}: Didomi refuses the API key or secret (or the key has no access to the
   * organisation) — pause the integration's reverse flow until the operator fixes it rather than
   * counting attempts toward a dead letter.
   */
  record Retryable(RetryReason reason, Duration retryAfter, boolean authFailed, String message)
      implements DidomiWriteResult {}
}
