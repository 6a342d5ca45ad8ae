package io.consentgateway.config;

/**
 * One Actito licence and profile table. {@code baseUrl} {@value #SANDBOX} starts the bundled Actito
 * sandbox in-process and points the client at it.
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
    long timeoutMs) {

  public static final String SANDBOX = "sandbox";

  public boolean usesSandbox() {
    return SANDBOX.equals(baseUrl);
  }
}
