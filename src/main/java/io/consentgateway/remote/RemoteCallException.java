package io.consentgateway.remote;

import java.time.Duration;
import java.util.Optional;

/**
 * Why a call to a remote system (Actito or Didomi) did not succeed — the one failure model both
 * clients report, classified so the caller knows what to do: {@link Kind#NOT_FOUND} (404: the
 * profile is not there), {@link Kind#PERMANENT} (other client errors: retrying cannot help; carries
 * the status and body), {@link Kind#RETRYABLE} (429, 5xx, timeout, connection error, open breaker,
 * full queue, paused licence: retry, after {@link #retryAfter()} when the remote said so) or {@link
 * Kind#AUTH_FAILED} (the credentials are refused: the lane must pause until the operator fixes
 * them; never a dead letter).
 *
 * <p>The message names the system, the integration or licence, the operation, the remote's status
 * and body; never a credential nor a token.
 */
public final class RemoteCallException extends RuntimeException {

  public enum Kind {
    NOT_FOUND,
    PERMANENT,
    RETRYABLE,
    AUTH_FAILED
  }

  /** What made a retryable failure retryable. */
  public enum RetryReason {
    RATE_LIMITED,
    SERVER_ERROR,
    TIMEOUT,
    CONNECTION,
    BREAKER_OPEN,
    QUEUE_FULL,
    /** Nothing was sent: the licence is paused after a 429, or blocked and released the call. */
    PAUSED,
    /**
     * The remote no longer serves the API version called ({@code 410 Gone}, e.g. Actito's V4
     * profile calls past their end of service): the operator's to fix, never a dead letter.
     */
    API_GONE,
    NONE
  }

  /** How much of a remote's answer body a failure keeps. */
  public static final int MAX_BODY_CHARS = 2_000;

  private final Kind kind;
  private final RetryReason retryReason;
  private final RemoteOperation operation;
  private final int status;
  private final String body;
  private final Duration retryAfter;

  /**
   * @param message what happened, already worded by the client (system, context, operation, status)
   * @param body the remote's answer body, kept truncated to {@link #MAX_BODY_CHARS}
   */
  public RemoteCallException(Kind kind, RetryReason retryReason, RemoteOperation operation, int status, String body,
      Duration retryAfter, String message, Throwable cause) {
    super(message, cause, false, false);
    this.kind = kind;
    this.retryReason = kind == Kind.RETRYABLE ? retryReason : RetryReason.NONE;
    this.operation = operation;
    this.status = status;
    this.body = truncate(body);
    this.retryAfter = retryAfter;
  }

  public Kind kind() {
    return kind;
  }

  /** {@link RetryReason#NONE} unless {@link #kind()} is {@link Kind#RETRYABLE}. */
  public RetryReason retryReason() {
    return retryReason;
  }

  public RemoteOperation operation() {
    return operation;
  }

  /** The remote's HTTP status, 0 when there was no answer. */
  public int status() {
    return status;
  }

  /** The remote's answer body (truncated), null when there was none. */
  public String body() {
    return body;
  }

  /** The delay the remote asked for ({@code Retry-After}), or the breaker's remaining open time. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  public boolean isRetryable() {
    return kind == Kind.RETRYABLE;
  }

  public boolean authFailed() {
    return kind == Kind.AUTH_FAILED;
  }

  /**
   * Whether the failure counts toward the give-up age and the dead letter: not when no call was
   * made (open breaker, full queue) nor when the credentials are refused or the API version is
   * gone (the operator's to fix).
   */
  public boolean countsAsAttempt() {
    return countsAsAttempt(retryReason, authFailed());
  }

  /** {@link #countsAsAttempt()} for a failure a client already turned into its result type. */
  public static boolean countsAsAttempt(RetryReason reason, boolean authFailed) {
    return reason != RetryReason.BREAKER_OPEN && reason != RetryReason.QUEUE_FULL && reason != RetryReason.API_GONE
        && !authFailed;
  }

  /**
   * Whether no call was made because the licence blocked (open breaker, pause after a 429, a key
   * known to be refused): the lane releases the work, due again once the licence lets calls
   * through, and records nothing else.
   */
  public boolean releasedByTheLicence(boolean keyRefused) {
    return releasedByTheLicence(retryReason, authFailed(), keyRefused);
  }

  /** {@link #releasedByTheLicence(boolean)} for a failure a client already turned into its result type. */
  public static boolean releasedByTheLicence(RetryReason reason, boolean authFailed, boolean keyRefused) {
    return reason == RetryReason.BREAKER_OPEN || reason == RetryReason.PAUSED || (authFailed && keyRefused);
  }

  /** {@code body} cut to {@link #MAX_BODY_CHARS}, marked with an ellipsis when cut. */
  public static String truncate(String body) {
    return body == null || body.length() <= MAX_BODY_CHARS ? body : body.substring(0, MAX_BODY_CHARS) + "…";
  }
}
