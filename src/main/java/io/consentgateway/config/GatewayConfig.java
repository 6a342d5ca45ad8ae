package io.consentgateway.config;

import java.util.List;
import java.util.Optional;

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

  /** Public webhook listener. {@code instances == 0} means one ingest verticle per core. */
  public record ServerConfig(String host, int port, int instances, int maxBodyBytes) {
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

  /** How Didomi authenticates to us: OAuth 2.0 client credentials. */
  public record AuthConfig(
      int tokenTtlSeconds, Secret signingKey, List<OAuthClient> clients, List<String> allowedIps) {
    public AuthConfig {
      clients = List.copyOf(clients);
      allowedIps = List.copyOf(allowedIps);
    }
  }

  public record OAuthClient(String clientId, Secret clientSecret) {}
}
