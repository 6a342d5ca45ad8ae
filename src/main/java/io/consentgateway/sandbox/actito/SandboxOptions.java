package io.consentgateway.sandbox.actito;

import io.consentgateway.config.ActitoConfig;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.MetadataAttributes;
import io.consentgateway.config.SubscriptionMapping;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * How an {@link ActitoSandbox} behaves: the one profile table it serves, the API keys it accepts,
 * the lifetime of the tokens it issues and the licence limits it enforces. Defaults mirror the real
 * Actito licence (5 concurrent calls, 100 calls per 60 s, 15 min tokens); tests shorten the
 * "minute" and the token lifetime instead of waiting.
 *
 * <p>An empty {@link #attributes()} list accepts any attribute name; a non-empty one rejects the
 * others with 400, as Actito does for a column the table lacks. The unique key is always accepted.
 * The table-structure call lists the unique key and the {@link #attributes()}.
 */
public final class SandboxOptions {

  public static final String DEFAULT_API_KEY = ActitoConfig.SANDBOX_DEFAULT_API_KEY;

  /**
   * The columns of the table {@link #forIntegration} serves for {@code metadataAttributes: all}:
   * the metadata keys of the project's examples. Other keys are not in the table, and the gateway
   * does not send them (it reads the table structure), as against a real Actito table.
   */
  public static final List<String> DEFAULT_TABLE_ATTRIBUTES =
      List.of("first_name", "last_name", "language", "loyalty_tier", "country");

  private String host = "127.0.0.1";
  private int port = 0;
  private String entity = "sandbox";
  private String table = "Profiles";
  private String uniqueKey = "customerId";
  private List<String> attributes = List.of();
  private List<String> subscriptions = List.of();
  private List<String> apiKeys = List.of(DEFAULT_API_KEY);
  private Duration tokenLifetime = Duration.ofSeconds(900);
  private boolean v4Enabled = true;
  private boolean v5Enabled = true;
  private java.util.Map<String, String> etls = java.util.Map.of();
  private Duration importLatency = Duration.ofSeconds(2);
  private Duration importLatencyPerRow = Duration.ofNanos(500_000);
  private String importOutcome;
  private String importFilePart = "inputFile";
  private int maxExecutionsPerDay = 24;
  private int maxConcurrentCalls = 5;
  private int callsPerWindow = 100;
  private Duration window = Duration.ofSeconds(60);
  private int maxRecordedCalls = 10_000;
  private List<WebhookSubscription> webhookSubscriptions = List.of();
  private int webhookMaxAttempts = 3;
  private Duration webhookRetryDelay = Duration.ofMillis(500);

  /**
   * Options serving the table of one integration: its entity, table, unique key, the mapped
   * subscription names and, for a {@code metadataAttributes} list, those keys as attributes. The
   * integration's API key is the one accepted ({@link #DEFAULT_API_KEY} when it has none). The
   * limits stay Actito's own (5 concurrent, 100 per minute) whatever the client is configured to.
   */
  public static SandboxOptions forIntegration(IntegrationConfig integration) {
    Objects.requireNonNull(integration, "integration");
    var actito = integration.actito();
    var subscriptions = new LinkedHashSet<String>();
    for (SubscriptionMapping mapping : integration.mappings()) {
      subscriptions.add(mapping.subscription());
    }
    var attributes = new ArrayList<String>();
    MetadataAttributes metadata = integration.metadataAttributes();
    if (metadata != null && metadata.mode() == MetadataAttributes.Mode.LIST) {
      attributes.addAll(metadata.keys());
    } else if (metadata == null || metadata.mode() == MetadataAttributes.Mode.ALL) {
      attributes.addAll(DEFAULT_TABLE_ATTRIBUTES);
    }
    String key = actito.apiKey() == null || actito.apiKey().isEmpty()
        ? DEFAULT_API_KEY
        : actito.apiKey().reveal();
    var options = new SandboxOptions()
        .setEntity(actito.entity())
        .setTable(actito.table())
        .setUniqueKey(actito.userUniqueKey())
        .setSubscriptions(List.copyOf(subscriptions))
        .setAttributes(attributes)
        .setApiKeys(List.of(key));
    if (actito.bulk().enabled()) {
      options.setEtl(actito.bulk().etlId(), actito.bulk().etlMode().name()).setImportFilePart(actito.bulk().filePart());
    }
    return options;
  }

  public String host() {
    return host;
  }

  public SandboxOptions setHost(String host) {
    this.host = Objects.requireNonNull(host, "host");
    return this;
  }

  /** 0 picks a free port; {@link ActitoSandbox#port()} tells which. */
  public int port() {
    return port;
  }

  public SandboxOptions setPort(int port) {
    this.port = port;
    return this;
  }

  public String entity() {
    return entity;
  }

  public SandboxOptions setEntity(String entity) {
    this.entity = Objects.requireNonNull(entity, "entity");
    return this;
  }

  public String table() {
    return table;
  }

  public SandboxOptions setTable(String table) {
    this.table = Objects.requireNonNull(table, "table");
    return this;
  }

  public String uniqueKey() {
    return uniqueKey;
  }

  public SandboxOptions setUniqueKey(String uniqueKey) {
    this.uniqueKey = Objects.requireNonNull(uniqueKey, "uniqueKey");
    return this;
  }

  public List<String> attributes() {
    return attributes;
  }

  public SandboxOptions setAttributes(List<String> attributes) {
    this.attributes = List.copyOf(attributes);
    return this;
  }

  public List<String> subscriptions() {
    return subscriptions;
  }

  public SandboxOptions setSubscriptions(List<String> subscriptions) {
    this.subscriptions = List.copyOf(subscriptions);
    return this;
  }

  public List<String> apiKeys() {
    return apiKeys;
  }

  public SandboxOptions setApiKeys(List<String> apiKeys) {
    this.apiKeys = List.copyOf(apiKeys);
    return this;
  }

  /** Whether the V4 profile calls are served (an account past their end of service answers 410). */
  public boolean v4Enabled() {
    return v4Enabled;
  }

  public SandboxOptions setV4Enabled(boolean enabled) {
    this.v4Enabled = enabled;
    return this;
  }

  /** Whether the V5 profile calls are served (an account without them answers 404). */
  public boolean v5Enabled() {
    return v5Enabled;
  }

  public SandboxOptions setV5Enabled(boolean enabled) {
    this.v5Enabled = enabled;
    return this;
  }

  /** The triggered ETLs defined on the table, by id: {@code CREATE_UPDATE} or {@code UPDATE_ONLY}. */
  public java.util.Map<String, String> etls() {
    return etls;
  }

  /** Defines the triggered ETL {@code id} in {@code mode} ({@code CREATE_UPDATE} or {@code UPDATE_ONLY}). */
  public SandboxOptions setEtl(String id, String mode) {
    if (!mode.equals("CREATE_UPDATE") && !mode.equals("UPDATE_ONLY")) {
      throw new IllegalArgumentException("an ETL mode is CREATE_UPDATE or UPDATE_ONLY");
    }
    var all = new java.util.LinkedHashMap<>(etls);
    all.put(Objects.requireNonNull(id, "id"), mode);
    this.etls = java.util.Map.copyOf(all);
    return this;
  }

  /**
   * How long an import execution runs (RUNNING) before its rows are applied and it ends: this,
   * plus {@link #importLatencyPerRow()} for each row of its file.
   */
  public Duration importLatency() {
    return importLatency;
  }

  /** What each row adds to an execution's run (0.5 ms by default: 100 000 rows, 52 s in all). */
  public Duration importLatencyPerRow() {
    return importLatencyPerRow;
  }

  public SandboxOptions setImportLatencyPerRow(Duration perRow) {
    this.importLatencyPerRow = Objects.requireNonNull(perRow, "perRow");
    return this;
  }

  public SandboxOptions setImportLatency(Duration latency) {
    this.importLatency = Objects.requireNonNull(latency, "latency");
    return this;
  }

  /**
   * null: an execution ends SUCCESS, or WITH_ERROR when rows were refused; {@code WITH_ERROR}:
   * every other row is applied and it ends so; {@code FAILED}: nothing is applied.
   */
  public String importOutcome() {
    return importOutcome;
  }

  public SandboxOptions setImportOutcome(String outcome) {
    if (outcome != null && !outcome.equals("WITH_ERROR") && !outcome.equals("FAILED")) {
      throw new IllegalArgumentException("a forced outcome is WITH_ERROR or FAILED");
    }
    this.importOutcome = outcome;
    return this;
  }

  /** The multipart part the ETLs read their file from. */
  public String importFilePart() {
    return importFilePart;
  }

  public SandboxOptions setImportFilePart(String part) {
    this.importFilePart = Objects.requireNonNull(part, "part");
    return this;
  }

  /** Executions a table takes per UTC day (Actito: 24); the next trigger is answered 409. */
  public int maxExecutionsPerDay() {
    return maxExecutionsPerDay;
  }

  public SandboxOptions setMaxExecutionsPerDay(int max) {
    this.maxExecutionsPerDay = max;
    return this;
  }

  public Duration tokenLifetime() {
    return tokenLifetime;
  }

  public SandboxOptions setTokenLifetime(Duration tokenLifetime) {
    this.tokenLifetime = Objects.requireNonNull(tokenLifetime, "tokenLifetime");
    return this;
  }

  /** Calls answered at once; one more in flight gets 429. */
  public int maxConcurrentCalls() {
    return maxConcurrentCalls;
  }

  public SandboxOptions setMaxConcurrentCalls(int maxConcurrentCalls) {
    this.maxConcurrentCalls = positive(maxConcurrentCalls, "maxConcurrentCalls");
    return this;
  }

  /** Calls started per {@link #window()}; the ones beyond wait for a slot, as Actito slows them. */
  public int callsPerWindow() {
    return callsPerWindow;
  }

  public SandboxOptions setCallsPerWindow(int callsPerWindow) {
    this.callsPerWindow = positive(callsPerWindow, "callsPerWindow");
    return this;
  }

  /** The "minute" of the per-minute budget: 60 s like Actito, shorter in tests. */
  public Duration window() {
    return window;
  }

  public SandboxOptions setWindow(Duration window) {
    this.window = Objects.requireNonNull(window, "window");
    return this;
  }

  /** The call log keeps this many calls, dropping the oldest, so a long-running sandbox stays small. */
  public int maxRecordedCalls() {
    return maxRecordedCalls;
  }

  public SandboxOptions setMaxRecordedCalls(int maxRecordedCalls) {
    this.maxRecordedCalls = positive(maxRecordedCalls, "maxRecordedCalls");
    return this;
  }

  /** Where the sandbox sends webhooks when a profile's subscriptions change; none by default. */
  public List<WebhookSubscription> webhookSubscriptions() {
    return webhookSubscriptions;
  }

  public SandboxOptions setWebhookSubscriptions(List<WebhookSubscription> webhookSubscriptions) {
    this.webhookSubscriptions = List.copyOf(webhookSubscriptions);
    return this;
  }

  public SandboxOptions addWebhookSubscription(WebhookSubscription subscription) {
    var all = new ArrayList<>(webhookSubscriptions);
    all.add(Objects.requireNonNull(subscription, "subscription"));
    this.webhookSubscriptions = List.copyOf(all);
    return this;
  }

  /** Attempts per webhook: a 5xx, 408, 429 or no answer is retried, other answers are final. */
  public int webhookMaxAttempts() {
    return webhookMaxAttempts;
  }

  public SandboxOptions setWebhookMaxAttempts(int webhookMaxAttempts) {
    this.webhookMaxAttempts = positive(webhookMaxAttempts, "webhookMaxAttempts");
    return this;
  }

  /** The wait before retry {@code n} is {@code n × webhookRetryDelay}. */
  public Duration webhookRetryDelay() {
    return webhookRetryDelay;
  }

  public SandboxOptions setWebhookRetryDelay(Duration webhookRetryDelay) {
    this.webhookRetryDelay = Objects.requireNonNull(webhookRetryDelay, "webhookRetryDelay");
    return this;
  }

  private static int positive(int value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
    return value;
  }
}
