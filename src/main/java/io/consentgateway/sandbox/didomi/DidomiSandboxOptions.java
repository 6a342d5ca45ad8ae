package io.consentgateway.sandbox.didomi;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link DidomiSandbox} behaves: the API key and secret it accepts at {@code POST
 * /v1/sessions}, the one organisation they give access to, the lifetime of the tokens it issues
 * (Didomi's are JWTs with an {@code exp}; 1 hour by default), and where it sends the webhooks it
 * emits ({@code null}: none) with how often it retries one the target refuses.
 */
public final class DidomiSandboxOptions {

  public static final String DEFAULT_API_KEY = "sandbox-didomi-key";
  public static final String DEFAULT_API_SECRET = "sandbox-didomi-secret";
  public static final String DEFAULT_ORGANIZATION_ID = "sandbox-org";

  private String host = "127.0.0.1";
  private int port = 0;
  private String apiKey = DEFAULT_API_KEY;
  private String apiSecret = DEFAULT_API_SECRET;
  private String organizationId = DEFAULT_ORGANIZATION_ID;
  private Duration tokenLifetime = Duration.ofHours(1);
  private int maxRecordedCalls = 10_000;
  private DidomiWebhookTarget webhookTarget;
  private int webhookMaxAttempts = 5;
  private Duration webhookRetryDelay = Duration.ofSeconds(1);

  public String host() {
    return host;
  }

  public DidomiSandboxOptions setHost(String host) {
    this.host = Objects.requireNonNull(host, "host");
    return this;
  }

  /** 0 picks a free port; {@link DidomiSandbox#port()} tells which. */
  public int port() {
    return port;
  }

  public DidomiSandboxOptions setPort(int port) {
    this.port = port;
    return this;
  }

  public String apiKey() {
    return apiKey;
  }

  public DidomiSandboxOptions setApiKey(String apiKey) {
    this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
    return this;
  }

  public String apiSecret() {
    return apiSecret;
  }

  public DidomiSandboxOptions setApiSecret(String apiSecret) {
    this.apiSecret = Objects.requireNonNull(apiSecret, "apiSecret");
    return this;
  }

  /** Events for another {@code organization_id} are refused with 403. */
  public String organizationId() {
    return organizationId;
  }

  public DidomiSandboxOptions setOrganizationId(String organizationId) {
    this.organizationId = Objects.requireNonNull(organizationId, "organizationId");
    return this;
  }

  public Duration tokenLifetime() {
    return tokenLifetime;
  }

  public DidomiSandboxOptions setTokenLifetime(Duration tokenLifetime) {
    this.tokenLifetime = Objects.requireNonNull(tokenLifetime, "tokenLifetime");
    return this;
  }

  /** The call log keeps this many calls, dropping the oldest. */
  public int maxRecordedCalls() {
    return maxRecordedCalls;
  }

  public DidomiSandboxOptions setMaxRecordedCalls(int maxRecordedCalls) {
    if (maxRecordedCalls <= 0) {
      throw new IllegalArgumentException("maxRecordedCalls must be positive, was " + maxRecordedCalls);
    }
    this.maxRecordedCalls = maxRecordedCalls;
    return this;
  }

  /** Where emitted webhooks go; null (the default) emits none. */
  public DidomiWebhookTarget webhookTarget() {
    return webhookTarget;
  }

  public DidomiSandboxOptions setWebhookTarget(DidomiWebhookTarget webhookTarget) {
    this.webhookTarget = webhookTarget;
    return this;
  }

  /** Attempts per webhook (Didomi: "at least five times during five minutes"). */
  public int webhookMaxAttempts() {
    return webhookMaxAttempts;
  }

  public DidomiSandboxOptions setWebhookMaxAttempts(int webhookMaxAttempts) {
    if (webhookMaxAttempts <= 0) {
      throw new IllegalArgumentException("webhookMaxAttempts must be positive, was " + webhookMaxAttempts);
    }
    this.webhookMaxAttempts = webhookMaxAttempts;
    return this;
  }

  /** The wait before retry {@code n} is {@code n × webhookRetryDelay}. */
  public Duration webhookRetryDelay() {
    return webhookRetryDelay;
  }

  public DidomiSandboxOptions setWebhookRetryDelay(Duration webhookRetryDelay) {
    this.webhookRetryDelay = Objects.requireNonNull(webhookRetryDelay, "webhookRetryDelay");
    return this;
  }
}
