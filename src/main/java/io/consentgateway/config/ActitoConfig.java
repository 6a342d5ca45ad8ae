package io.consentgateway.config;

/**
 * One Actito licence and profile table. {@code baseUrl} {@value #SANDBOX} starts the bundled Actito
 * sandbox in-process on port {@value #SANDBOX_DEFAULT_PORT} and points the client at it; {@code
 * sandbox:PORT} picks the port ({@code sandbox:0}: any free one). {@code apiVersion}: which of
 * Actito's profile APIs the gateway speaks, V5 (the default) or V4 (deprecated by Actito). {@code
 * bulk}: the mass-import lane for large backlogs ({@link BulkConfig#DISABLED} by default).
 */
public record ActitoConfig(
    String baseUrl,
    Secret apiKey,
    String entity,
    String table,
    String userUniqueKey,
    boolean upsertMode,
    int maxConcurrency,
    int callsPerMinute,
    long timeoutMs,
    long breakerResetMs,
    ApiVersion apiVersion,
    BulkConfig bulk) {

  /** Actito's profile API versions. */
  public enum ApiVersion {
    V4, V5;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public static final long DEFAULT_BREAKER_RESET_MS = 30_000;

  public ActitoConfig {
    java.util.Objects.requireNonNull(apiVersion, "apiVersion");
    java.util.Objects.requireNonNull(bulk, "bulk");
  }

  /** Without a bulk lane. */
  public ActitoConfig(String baseUrl, Secret apiKey, String entity, String table, String userUniqueKey,
      boolean upsertMode, int maxConcurrency, int callsPerMinute, long timeoutMs, long breakerResetMs,
      ApiVersion apiVersion) {
    this(baseUrl, apiKey, entity, table, userUniqueKey, upsertMode, maxConcurrency, callsPerMinute, timeoutMs,
        breakerResetMs, apiVersion, BulkConfig.DISABLED);
  }

  public ActitoConfig withBulk(BulkConfig bulk) {
    return new ActitoConfig(baseUrl, apiKey, entity, table, userUniqueKey, upsertMode, maxConcurrency, callsPerMinute,
        timeoutMs, breakerResetMs, apiVersion, bulk);
  }

  /** Speaking V4 (the profile calls of the existing tests and examples). */
  public ActitoConfig(String baseUrl, Secret apiKey, String entity, String table, String userUniqueKey,
      boolean upsertMode, int maxConcurrency, int callsPerMinute, long timeoutMs, long breakerResetMs) {
    this(baseUrl, apiKey, entity, table, userUniqueKey, upsertMode, maxConcurrency, callsPerMinute, timeoutMs,
        breakerResetMs, ApiVersion.V4);
  }

  /** With the default breaker reset ({@value #DEFAULT_BREAKER_RESET_MS} ms). */
  public ActitoConfig(String baseUrl, Secret apiKey, String entity, String table, String userUniqueKey,
      boolean upsertMode, int maxConcurrency, int callsPerMinute, long timeoutMs) {
    this(baseUrl, apiKey, entity, table, userUniqueKey, upsertMode, maxConcurrency, callsPerMinute, timeoutMs,
        DEFAULT_BREAKER_RESET_MS);
  }

  public static final String SANDBOX = "sandbox";
  public static final int SANDBOX_DEFAULT_PORT = 8089;
  /** The API key the bundled sandbox accepts when a {@link #usesSandbox()} configuration sets none. */
  public static final String SANDBOX_DEFAULT_API_KEY = "sandbox-api-key";

  public boolean usesSandbox() {
    return baseUrl.equals(SANDBOX) || baseUrl.startsWith(SANDBOX + ":");
  }

  /** The port of the bundled sandbox, for {@link #usesSandbox()} configurations. */
  public int sandboxPort() {
    return baseUrl.equals(SANDBOX) ? SANDBOX_DEFAULT_PORT : Integer.parseInt(baseUrl.substring(SANDBOX.length() + 1));
  }
}
