package io.consentgateway.ingest;

/** A webhook body that is not a Didomi envelope; answered 400. The message is safe to return. */
public final class InvalidWebhookException extends RuntimeException {
  public InvalidWebhookException(String message) {
    super(message, null, false, false);
  }
}
