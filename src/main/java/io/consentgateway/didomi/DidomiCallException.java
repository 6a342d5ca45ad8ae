package io.consentgateway.didomi;

/**
 * A Didomi call that did not succeed, already classified: {@link #result()} is what the caller
 * gets. Internal to the client's pipeline; the message names the integration, operation, status
 * and Didomi's body, never the API secret nor a token.
 */
final class DidomiCallException extends RuntimeException {

  private final DidomiWriteResult result;

  DidomiCallException(DidomiWriteResult result, String message, Throwable cause) {
    super(message, cause, false, false);
    this.result = result;
  }

  DidomiWriteResult result() {
    return result;
  }

  boolean authFailed() {
    return result instanceof DidomiWriteResult.Retryable r && r.authFailed();
  }
}
