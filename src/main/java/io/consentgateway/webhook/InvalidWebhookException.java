package io.consentgateway.webhook;

/**
 * A Didomi webhook body that cannot be understood. The message says what is wrong and where, and
 * never quotes more of the payload than a short field value, so it is safe to log and to return in
 * a 4xx body.
 */
public final class InvalidWebhookException extends RuntimeException {

  public InvalidWebhookException(String message) {
    super(message, null, false, false);
  }
}
