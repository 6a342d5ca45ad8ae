package io.consentgateway.actito;

import io.consentgateway.config.ActitoConfig;
import io.consentgateway.config.Secret;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything one {@link ActitoClient} needs: the licence and table of an {@link ActitoConfig},
 * resolved to a real base URL, plus tuning the configuration file does not expose (the length of
 * the rate "minute" and its safety margin, queue bound, breaker thresholds, token refresh margin).
 * Build it with {@link #from(String, ActitoConfig)} and adjust with the {@code with…} methods; with
 * {@code baseUrl: sandbox} call {@link #withBaseUrl(String)} with the started sandbox's URL.
 *
 * <p>{@code rateMargin} is added to {@code rateWindow}: Actito counts a call when it arrives, not
 * when the client sends it, so spacing the client's starts a little wider than the window keeps
 * network jitter from making two windows' calls arrive in one.
 */
public record ActitoClientSettings(
    String integrationId,
    String baseUrl,
    Secret apiKey,
    String entity,
    String table,
    String userUniqueKey,
    boolean upsertMode,
    int maxConcurrency,
    int callsPerMinute,
    Duration rateWindow,
    Duration rateMargin,
    Duration timeout,
    int maxQueued,
    int breakerMaxFailures,
    Duration breakerResetTimeout,
    Duration tokenRefreshMargin,
    Duration authRetryInterval,
    Duration maxBackoff) {

  public static final int DEFAULT_MAX_QUEUED = 10_000;

  public ActitoClientSettings {
    Objects.requireNonNull(integrationId, "integrationId");
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(entity, "entity");
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(userUniqueKey, "userUniqueKey");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    if (maxConcurrency < 1 || callsPerMinute < 1 || maxQueued < 0 || breakerMaxFailures < 1) {
      throw new IllegalArgumentException("maxConcurrency, callsPerMinute and breakerMaxFailures must be positive");
    }
  }

  /** Defaults: 60 s window + 1 s margin, {@code timeoutMs} (10 s when unset), breaker opening after
   * 5 retryable failures in a row and probing after {@code breakerResetMs}, tokens refreshed 60 s
   * before expiry, a refused key tried again after 1 s (then 2 s, 4 s, … up to {@code maxBackoff}
   * or 5 minutes), 429 pauses of at most an hour ({@link #withMaxBackoff} sets the integration's
   * {@code dispatch.maxBackoffMs}). */
  public static ActitoClientSettings from(String integrationId, ActitoConfig config) {
    return new ActitoClientSettings(
        integrationId,
        config.baseUrl(),
        // the bundled sandbox accepts its default key when the configuration sets none
        config.usesSandbox() && config.apiKey().isEmpty()
            ? Secret.of(ActitoConfig.SANDBOX_DEFAULT_API_KEY)
            : config.apiKey(),
        config.entity(),
        config.table(),
        config.userUniqueKey(),
        config.upsertMode(),
        config.maxConcurrency() > 0 ? config.maxConcurrency() : 5,
        config.callsPerMinute() > 0 ? config.callsPerMinute() : 100,
        Duration.ofSeconds(60),
        Duration.ofSeconds(1),
        Duration.ofMillis(config.timeoutMs() > 0 ? config.timeoutMs() : 10_000),
        DEFAULT_MAX_QUEUED,
        5,
        Duration.ofMillis(config.breakerResetMs()),
        Duration.ofSeconds(60),
        Duration.ofSeconds(1),
        Duration.ofHours(1));
  }

  public ActitoClientSettings withBaseUrl(String url) {
    return new ActitoClientSettings(integrationId, url, apiKey, entity, table, userUniqueKey, upsertMode,
        maxConcurrency, callsPerMinute, rateWindow, rateMargin, timeout, maxQueued, breakerMaxFailures,
        breakerResetTimeout, tokenRefreshMargin, authRetryInterval, maxBackoff);
  }

  /** {@code callsPerMinute} calls per {@code window} (a short "minute" for tests), plus {@code margin}. */
  public ActitoClientSettings withRateWindow(Duration window, Duration margin) {
    return new ActitoClientSettings(integrationId, baseUrl, apiKey, entity, table, userUniqueKey, upsertMode,
        maxConcurrency, callsPerMinute, window, margin, timeout, maxQueued, breakerMaxFailures,
        breakerResetTimeout, tokenRefreshMargin, authRetryInterval, maxBackoff);
  }

  public ActitoClientSettings withTimeout(Duration callTimeout) {
    return new ActitoClientSettings(integrationId, baseUrl, apiKey, entity, table, userUniqueKey, upsertMode,
        maxConcurrency, callsPerMinute, rateWindow, rateMargin, callTimeout, maxQueued, breakerMaxFailures,
        breakerResetTimeout, tokenRefreshMargin, authRetryInterval, maxBackoff);
  }

  public ActitoClientSettings withMaxQueued(int queued) {
    return new ActitoClientSettings(integrationId, baseUrl, apiKey, entity, table, userUniqueKey, upsertMode,
        maxConcurrency, callsPerMinute, rateWindow, rateMargin, timeout, queued, breakerMaxFailures,
        breakerResetTimeout, tokenRefreshMargin, authRetryInterval, maxBackoff);
  }

  public ActitoClientSettings withBreaker(int maxFailures, Duration resetTimeout) {
    return new ActitoClientSettings(integrationId, baseUrl, apiKey, entity, table, userUniqueKey, upsertMode,
        maxConcurrency, callsPerMinute, rateWindow, rateMargin, timeout, maxQueued, maxFailures,
        resetTimeout, tokenRefreshMargin, authRetryInterval, maxBackoff);
  }

  public ActitoClientSettings withTokenRefreshMargin(Duration margin) {
    return new ActitoClientSettings(integrationId, baseUrl, apiKey, entity, table, userUniqueKey, upsertMode,
        maxConcurrency, callsPerMinute, rateWindow, rateMargin, timeout, maxQueued, breakerMaxFailures,
        breakerResetTimeout, margin, authRetryInterval, maxBackoff);
  }

  public ActitoClientSettings withAuthRetryInterval(Duration interval) {
    return new ActitoClientSettings(integrationId, baseUrl, apiKey, entity, table, userUniqueKey, upsertMode,
        maxConcurrency, callsPerMinute, rateWindow, rateMargin, timeout, maxQueued, breakerMaxFailures,
        breakerResetTimeout, tokenRefreshMargin, interval, maxBackoff);
  }

  /** The longest a 429 pauses the licence, and (up to 5 minutes) the longest wait between probes of a refused key. */
  public ActitoClientSettings withMaxBackoff(Duration backoff) {
    return new ActitoClientSettings(integrationId, baseUrl, apiKey, entity, table, userUniqueKey, upsertMode,
        maxConcurrency, callsPerMinute, rateWindow, rateMargin, timeout, maxQueued, breakerMaxFailures,
        breakerResetTimeout, tokenRefreshMargin, authRetryInterval, backoff);
  }

  public ActitoClientSettings withUpsertMode(boolean upsert) {
    return new ActitoClientSettings(integrationId, baseUrl, apiKey, entity, table, userUniqueKey, upsert,
        maxConcurrency, callsPerMinute, rateWindow, rateMargin, timeout, maxQueued, breakerMaxFailures,
        breakerResetTimeout, tokenRefreshMargin, authRetryInterval, maxBackoff);
  }

  /** "integration acme (entity acme, table Customers)": the context every error carries. */
  public String describe() {
    return "integration " + integrationId + " (entity " + entity + ", table " + table + ")";
  }
}
