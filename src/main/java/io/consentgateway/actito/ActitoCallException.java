package io.consentgateway.actito;

import java.time.Duration;
import java.util.Optional;

/**
 * Why an Actito call did not succeed, classified so the caller knows what to do: {@link
 * Kind#NOT_FOUND} (404: the profile is not there), {@link Kind#PERMANENT} (400/404/409/422 and other
 * client errors: retrying cannot help, carries Actito's status and body), {@link Kind#RETRYABLE}
 * (429, 5xx, timeout, connection error, open breaker, full queue, paused licence: retry after {@link #retryAfter()}
 * when Actito said so) or {@link Kind#AUTH_FAILED} (the API key is refused: dispatch for this
 * integration must pause until the operator fixes it; never a dead letter).
 *
 * <p>The message names the integration, entity, table and operation, and Actito's status and body;
 * never the API key nor a token.
 */
public final class ActitoCallException extends RuntimeException {

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
    NONE
  }

  private static final int MAX_BODY_CHARS = 2_000;

  private final Kind kind;
  private final RetryReason retryReason;
  private final ActitoOperation operation;
  private final int status;
  private final String body;
  private final Duration retryAfter;

  ActitoCallException(
      Kind kind,
      RetryReason retryReason,
      ActitoOperation operation,
      String context,
      int status,
      String body,
      Duration retryAfter,
      String detail,
      Throwable cause) {
    super(message(kind, operation, context, status, body, detail), cause, false, false);
    this.kind = kind;
    this.retryReason = retryReason;
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

  public ActitoOperation operation() {
    return operation;
  }

  /** Actito's HTTP status, 0 when there was no answer. */
  public int status() {
    return status;
  }

  /** Actito's answer body (truncated), null when there was none. */
  public String body() {
    return body;
  }

  /** The delay Actito asked for ({@code Retry-After}), or the breaker's remaining open time. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  public boolean isRetryable() {
    return kind == Kind.RETRYABLE;
  }

  private static String message(
      Kind kind, ActitoOperation operation, String context, int status, String body, String detail) {
    var sb = new StringBuilder("Actito ").append(operation).append(" for ").append(context).append(": ");
    sb.append(kind.name().toLowerCase().replace('_', ' '));
    if (status != 0) {
      sb.append(", status ").append(status);
    }
    if (detail != null) {
      sb.append(", ").append(detail);
    }
    if (body != null && !body.isEmpty()) {
      sb.append(", body ").append(truncate(body));
    }
    return sb.toString();
  }

  private static String truncate(String body) {
    return body == null || body.length() <= MAX_BODY_CHARS ? body : body.substring(0, MAX_BODY_CHARS) + "…";
  }
}
