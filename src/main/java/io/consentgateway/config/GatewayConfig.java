package io.consentgateway.config;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The whole validated configuration of one gateway process (docs/configuration.md). */
public record GatewayConfig(
    ServerConfig server,
    AdminConfig admin,
    StoreConfig store,
    AuthConfig auth,
    List<IntegrationConfig> integrations) {

  public GatewayConfig {
    integrations = List.copyOf(integrations);
  }

  public Optional<IntegrationConfig> integration(String id) {
    for (IntegrationConfig integration : integrations) {
      if (integration.id().equals(id)) {
        return Optional.of(integration);
      }
    }
    return Optional.empty();
  }

  /**
   * Public webhook listener. {@code instances == 0} means one ingest verticle per core. A connection
   * silent for {@code idleTimeoutSeconds} is closed; a new one must send a complete request head
   * within {@code headerTimeoutSeconds}, and a request its whole body within {@code
   * bodyTimeoutSeconds}; at most {@code maxConnections} are open at once. HTTP/2 over cleartext
   * (h2c) is served only when {@code h2c} is true.
   */
  public record ServerConfig(
      String host,
      int port,
      int instances,
      int maxBodyBytes,
      int idleTimeoutSeconds,
      int headerTimeoutSeconds,
      int bodyTimeoutSeconds,
      int maxConnections,
      boolean h2c) {
    public int effectiveInstances() {
      return instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
    }
  }

  /** Operator listener; {@code token}, when set, guards {@code /admin/*}. */
  public record AdminConfig(String host, int port, Secret token) {}

  /**
   * The durable store. {@code queueCapacity} bounds the writes waiting for the writer thread (beyond
   * it ingest answers 503), {@code maxBatch} bounds how many go in one transaction.
   */
  /** {@code retentionDays}: raw webhooks and history older than this are pruned. */
  public record StoreConfig(String type, String path, int queueCapacity, int maxBatch, int retentionDays) {}

  /**
   * How Didomi authenticates to us: OAuth 2.0 client credentials. After {@code
   * maxFailuresPerMinute} wrong credentials from one source address, that address is answered 429
   * until its allowance refills (0: never).
   */
  public record AuthConfig(
      int tokenTtlSeconds,
      Secret signingKey,
      List<OAuthClient> clients,
      List<String> allowedIps,
      int maxFailuresPerMinute) {
    public AuthConfig {
      clients = List.copyOf(clients);
      allowedIps = List.copyOf(allowedIps);
    }

    public Optional<OAuthClient> client(String clientId) {
      for (OAuthClient client : clients) {
        if (client.clientId().equals(clientId)) {
          return Optional.of(client);
        }
      }
      return Optional.empty();
    }
  }

  /** An OAuth client; {@code integrations} are the ids whose webhooks it may post to, empty for all. */
  public record OAuthClient(String clientId, Secret clientSecret, Set<String> integrations) {
    public OAuthClient {
      integrations = Set.copyOf(integrations);
    }

    public boolean mayPostTo(String integrationId) {
      return integrations.isEmpty() || integrations.contains(integrationId);
    }
  }
}
