package io.consentgateway.sandbox.didomi;

import java.util.Objects;

/**
 * Where a {@link DidomiSandbox} sends the Didomi webhooks it emits, and how it authenticates, as
 * Didomi does (docs/design.md §2, Didomi webhooks): OAuth 2.0 client credentials at {@code tokenUrl} (form body), then
 * {@code Authorization: Bearer <token>} on each POST to {@code targetUrl}, e.g. {@code
 * http://127.0.0.1:8080/webhooks/didomi/acme}. {@link #toString()} never shows the secret.
 */
public record DidomiWebhookTarget(String targetUrl, String tokenUrl, String clientId, String clientSecret) {

  public DidomiWebhookTarget {
    Objects.requireNonNull(targetUrl, "targetUrl");
    Objects.requireNonNull(tokenUrl, "tokenUrl");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(clientSecret, "clientSecret");
  }

  @Override
  public String toString() {
    return "DidomiWebhookTarget[" + targetUrl + ", token " + tokenUrl + ", client " + clientId + "]";
  }
}
