package io.consentgateway.support;

import io.consentgateway.config.ConfigLoader;
import io.consentgateway.config.GatewayConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A small, complete gateway configuration for tests, on free loopback ports and a temp store. */
public final class TestConfig {

  public static final String CLIENT_ID = "didomi";
  public static final String CLIENT_SECRET = "test-client-secret";
  public static final String SIGNING_KEY = "test-signing-key-0123456789abcdef0123456789";

  private int port = freePort();
  private int adminPort = freePort();
  private Path storePath;
  private int instances = 2;
  private int queueCapacity = 10_000;
  private int maxBatch = 512;
  private String allowedIps = "[]";
  private String adminToken = "";
  private String extraIntegrationYaml = "";
  private String clientsYaml = "[ { clientId: " + CLIENT_ID + ", clientSecret: \"${CLIENT_SECRET}\" } ]";
  private String moreIntegrationsYaml = "";
  private String serverExtrasYaml = "";
  private String authExtrasYaml = "";
  private int maxBodyBytes = 65_536;
  private String actitoBaseUrl = "sandbox:0";
  private boolean upsertMode = false;
  private int callsPerMinute = 100_000;
  private String dispatchYaml = "{ initialBackoffMs: 50, maxBackoffMs: 500, maxAttempts: 25 }";
  private long breakerResetMs = 500;
  // the suite's tests read V4 calls; the V5 ones say so (the product's default is v5)
  private String apiVersion = "v4";
  private String bulkYaml = "";
  private int retentionDays = 30;
  private Long didomiMaxClockAheadMs;

  public TestConfig(Path dir) {
    this.storePath = dir.resolve("gateway.db");
  }

  public TestConfig queue(int capacity, int batch) {
    this.queueCapacity = capacity;
    this.maxBatch = batch;
    return this;
  }

  public TestConfig instances(int instances) {
    this.instances = instances;
    return this;
  }

  public TestConfig allowedIps(String yamlList) {
    this.allowedIps = yamlList;
    return this;
  }

  public TestConfig adminToken(String token) {
    this.adminToken = token;
    return this;
  }

  public TestConfig maxBodyBytes(int bytes) {
    this.maxBodyBytes = bytes;
    return this;
  }

  public TestConfig integrationExtras(String yaml) {
    this.extraIntegrationYaml = yaml;
    return this;
  }

  /** Replaces the one client ({@link #CLIENT_ID}) by this YAML list. */
  public TestConfig clients(String yamlList) {
    this.clientsYaml = yamlList;
    return this;
  }

  /** Further integrations, as YAML list items ({@code - id: ...}), after {@code acme}. */
  public TestConfig moreIntegrations(String yaml) {
    this.moreIntegrationsYaml = yaml;
    return this;
  }

  /** {@code actito.bulk}, as a YAML flow mapping: {@code {enabled: true, etlId: "7", minBacklog: 10}}. */
  public TestConfig bulk(String flowMapping) {
    this.bulkYaml = "\n      bulk: " + flowMapping;
    return this;
  }

  /** {@code actito.apiVersion}: {@code v4} (this suite's default) or {@code v5}. */
  public TestConfig apiVersion(String version) {
    this.apiVersion = version;
    return this;
  }

  public TestConfig breakerResetMs(long millis) {
    this.breakerResetMs = millis;
    return this;
  }

  /** More keys of {@code server}, as YAML mapping entries ({@code "headerTimeoutSeconds: 1, h2c: true"}). */
  public TestConfig server(String yamlEntries) {
    this.serverExtrasYaml = yamlEntries;
    return this;
  }

  /** More keys of {@code auth}, as YAML lines ({@code "maxFailuresPerMinute: 5"}). */
  public TestConfig authExtras(String yamlLines) {
    this.authExtrasYaml = yamlLines;
    return this;
  }

  public TestConfig actito(String baseUrl, boolean upsertMode) {
    this.actitoBaseUrl = baseUrl;
    this.upsertMode = upsertMode;
    return this;
  }

  public TestConfig callsPerMinute(int callsPerMinute) {
    this.callsPerMinute = callsPerMinute;
    return this;
  }

  /** {@code integrations[].didomi.maxClockAheadMs}; the default when never set. */
  public TestConfig didomiMaxClockAheadMs(long millis) {
    this.didomiMaxClockAheadMs = millis;
    return this;
  }

  public TestConfig retentionDays(int days) {
    this.retentionDays = days;
    return this;
  }

  public TestConfig dispatch(String yamlMapping) {
    this.dispatchYaml = yamlMapping;
    return this;
  }

  public int port() {
    return port;
  }

  public int adminPort() {
    return adminPort;
  }

  public Path storePath() {
    return storePath;
  }

  public String yaml() {
    return """
        server: { host: 127.0.0.1, port: %d, instances: %d, maxBodyBytes: %d%s }
        admin: { host: 127.0.0.1, port: %d, token: "%s" }
        store: { type: sqlite, path: "%s", queueCapacity: %d, maxBatch: %d, retentionDays: %d }
        auth:
          tokenTtlSeconds: 3600
          signingKey: "${SIGNING_KEY}"
          clients: %s
          allowedIps: %s
        %s
        integrations:
          - id: acme
            didomi: { organizationId: acme-org, regulation: gdpr%s }
            actito:
              baseUrl: "%s"
              apiKey: sandbox-api-key
              entity: acme
              table: Customers
              userUniqueKey: customerId
              upsertMode: %s
              callsPerMinute: %d
              timeoutMs: 2000
              breakerResetMs: %d
              apiVersion: %s%s
            dispatch: %s
            mappings:
              - { subscription: Newsletter, purpose: newsletter }
              - { subscription: SmsOffers, purpose: marketing, preference: channels, value: sms }
        %s
        %s
        """.formatted(port, instances, maxBodyBytes, serverExtrasYaml.isBlank() ? "" : ", " + serverExtrasYaml,
            adminPort, adminToken, storePath, queueCapacity, maxBatch, retentionDays,
            clientsYaml, allowedIps, authExtrasYaml.indent(2),
            didomiMaxClockAheadMs == null ? "" : ", maxClockAheadMs: " + didomiMaxClockAheadMs, actitoBaseUrl, upsertMode, callsPerMinute, breakerResetMs, apiVersion, bulkYaml, dispatchYaml,
            extraIntegrationYaml.indent(4), moreIntegrationsYaml.indent(2));
  }

  public static Map<String, String> environment() {
    return Map.of("SIGNING_KEY", SIGNING_KEY, "CLIENT_SECRET", CLIENT_SECRET);
  }

  public GatewayConfig load() {
    return new ConfigLoader(environment()::get).parse(yaml());
  }

  /** Writes the YAML to {@code file}, for tests that start the real jar. */
  public Path write(Path file) {
    try {
      Files.writeString(file, yaml());
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // every port handed out in this JVM: the kernel may give the same free port twice in a row, and
  // a gateway whose ingest and admin listeners got one port shares it between them (Vert.x lets
  // servers of one instance share a port), so a webhook could reach the admin router: a 404
  private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** A free loopback port, never one this JVM handed out before. */
  public static int freePort() {
    while (true) {
      try (ServerSocket socket = new ServerSocket(0)) {
        socket.setReuseAddress(true);
        if (HANDED_OUT.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
