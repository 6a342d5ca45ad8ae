package io.consentgateway.auth;

import io.consentgateway.config.GatewayConfig.OAuthClient;
import io.consentgateway.config.Secret;
import java.util.List;
import java.util.Optional;

/** The OAuth clients allowed to ask for a token; secrets compared in constant time. */
public final class ClientRegistry {

  // Compared against when the client id is unknown, so an unknown id costs the same time as a wrong secret.
  private static final Secret DECOY = Secret.of("decoy-secret-never-matches-anything-0123456789");

  private final List<OAuthClient> clients;

  public ClientRegistry(List<OAuthClient> clients) {
    this.clients = List.copyOf(clients);
  }

  /** Whether {@code clientId} is a configured client's (then it is no secret, and may be logged). */
  public boolean knows(String clientId) {
    for (OAuthClient client : clients) {
      if (client.clientId().equals(clientId)) {
        return true;
      }
    }
    return false;
  }

  /** The client id when {@code clientId}/{@code clientSecret} match a configured client. */
  public Optional<String> authenticate(String clientId, String clientSecret) {
    if (clientId == null || clientSecret == null) {
      return Optional.empty();
    }
    OAuthClient match = null;
    for (OAuthClient client : clients) {
      if (client.clientId().equals(clientId)) {
        match = client;
      }
    }
    Secret expected = match == null ? DECOY : match.clientSecret();
    boolean ok = expected.matches(clientSecret);
    return ok && match != null ? Optional.of(match.clientId()) : Optional.empty();
  }
}
