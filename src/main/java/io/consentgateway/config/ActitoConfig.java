package io.consentgateway.config;

/**
 * One Actito licence and profile table. {@code baseUrl} {@value #SANDBOX} starts the bundled Actito
 * sandbox in-process on port {@value #SANDBOX_DEFAULT_PORT} and points the client at it; {@code
 * sandbox:PORT} picks the port ({@code sandbox:0}: any free one).
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
    long breakerResetMs) {

  public static final long DEFAULT_BREAKER_RESET_MS = 30_000;

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
