package io.consentgateway.store;

/**
 * The store cannot take a write now. Callers answer 503 with {@code Retry-After:} {@link
 * #retryAfterSeconds()}; nothing of the write was stored.
 */
public final class StoreUnavailableException extends RuntimeException {

  public enum Reason {
    OVERLOADED,
    CLOSED,
    FAILED
  }

  private final Reason reason;

  public StoreUnavailableException(Reason reason, String message, Throwable cause) {
    super(message, cause, false, cause != null);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  public int retryAfterSeconds() {
    return switch (reason) {
      case OVERLOADED -> 1;
      case CLOSED -> 5;
      case FAILED -> 10;
    };
  }
}
