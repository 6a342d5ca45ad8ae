package io.consentgateway.store;

/** Which system sent a webhook. */
public enum WebhookSource {
  DIDOMI,
  ACTITO
}
