package io.consentgateway.didomi;

import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.Secret;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything one {@link DidomiClient} needs: the Consents API base URL and API key/secret of an
 * integration's {@code bidirectional.didomiApi}, plus tuning the configuration file does not expose
 * (pacing, timeout, queue bound, breaker thresholds, token refresh margin). Build it with {@link
 * #from(IntegrationConfig)} and adjust with the {@code with…} methods.
 */
public record DidomiClientSettings(
    String integrationId,
    String baseUrl,
    Secret apiKey,
    Secret apiSecret,
    int maxConcurrency,
    int callsPerWindow,
    Duration rateWindow,
    Duration timeout,
    int maxQueued,
    int breakerMaxFailures,
    Duration breakerResetTimeout,
    Duration tokenRefreshMargin,
    Duration authRetryInterval,
    Duration maxBackoff) {

  public static final int DEFAULT_MAX_CONCURRENCY = 5;
  public static final int DEFAULT_CALLS_PER_MINUTE = 600;
  public static final int DEFAULT_MAX_QUEUED = 10_000;
  /** A token whose JWT carries no {@code exp} is taken to live this long. */
  public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofHours(1);

  public DidomiClientSettings {
    Objects.requireNonNull(integrationId, "integrationId");
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(apiSecret, "apiSecret");
    Objects.requireNonNull(rateWindow, "rateWindow");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(breakerResetTimeout, "breakerResetTimeout");
    Objects.requireNonNull(tokenRefreshMargin, "tokenRefreshMargin");
    Objects.requireNonNull(authRetryInterval, "authRetryInterval");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    if (maxConcurrency < 1 || callsPerWindow < 1 || maxQueued < 0 || breakerMaxFailures < 1) {
      throw new IllegalArgumentException("maxConcurrency, callsPerWindow and breakerMaxFailures must be positive");
    }
  }

  /**
   * Defaults: 5 concurrent calls and 600 per 60 s, 10 s timeout, breaker opening after 5
   * retryable failures in a row and probing after 30 s, tokens refreshed 60 s before expiry, a
   * refused key tried again after 1 s (then 2 s, 4 s, … up to the integration's {@code
   * dispatch.maxBackoffMs} or 5 minutes), 429 pauses of at most {@code dispatch.maxBackoffMs}.
   */
  public static DidomiClientSettings from(IntegrationConfig integration) {
    var bidirectional = Objects.requireNonNull(integration.bidirectional(), "bidirectional");
    return new DidomiClientSettings(
        integration.id(),
        bidirectional.didomiBaseUrl(),
        bidirectional.didomiApiKey(),
        bidirectional.didomiApiSecret(),
        DEFAULT_MAX_CONCURRENCY,
        DEFAULT_CALLS_PER_MINUTE,
        Duration.ofSeconds(60),
        Duration.ofSeconds(10),
        DEFAULT_MAX_QUEUED,
        5,
        Duration.ofSeconds(30),
        Duration.ofSeconds(60),
        Duration.ofSeconds(1),
        integration.dispatch() == null ? Duration.ofHours(1) : Duration.ofMillis(integration.dispatch().maxBackoffMs()));
  }

  public DidomiClientSettings withBaseUrl(String url) {
    return new DidomiClientSettings(integrationId, url, apiKey, apiSecret, maxConcurrency, callsPerWindow,
        rateWindow, timeout, maxQueued, breakerMaxFailures, breakerResetTimeout, tokenRefreshMargin, authRetryInterval, maxBackoff);
  }

  /** At most {@code concurrency} calls in flight and {@code calls} started per {@code window}. */
  public DidomiClientSettings withPacing(int concurrency, int calls, Duration window) {
    return new DidomiClientSettings(integrationId, baseUrl, apiKey, apiSecret, concurrency, calls,
        window, timeout, maxQueued, breakerMaxFailures, breakerResetTimeout, tokenRefreshMargin, authRetryInterval, maxBackoff);
  }

  public DidomiClientSettings withTimeout(Duration callTimeout) {
    return new DidomiClientSettings(integrationId, baseUrl, apiKey, apiSecret, maxConcurrency, callsPerWindow,
        rateWindow, callTimeout, maxQueued, breakerMaxFailures, breakerResetTimeout, tokenRefreshMargin, authRetryInterval, maxBackoff);
  }

  public DidomiClientSettings withMaxQueued(int queued) {
    return new DidomiClientSettings(integrationId, baseUrl, apiKey, apiSecret, maxConcurrency, callsPerWindow,
        rateWindow, timeout, queued, breakerMaxFailures, breakerResetTimeout, tokenRefreshMargin, authRetryInterval, maxBackoff);
  }

  public DidomiClientSettings withBreaker(int maxFailures, Duration resetTimeout) {
    return new DidomiClientSettings(integrationId, baseUrl, apiKey, apiSecret, maxConcurrency, callsPerWindow,
        rateWindow, timeout, maxQueued, maxFailures, resetTimeout, tokenRefreshMargin, authRetryInterval, maxBackoff);
  }

  public DidomiClientSettings withTokenRefreshMargin(Duration margin) {
    return new DidomiClientSettings(integrationId, baseUrl, apiKey, apiSecret, maxConcurrency, callsPerWindow,
        rateWindow, timeout, maxQueued, breakerMaxFailures, breakerResetTimeout, margin, authRetryInterval, maxBackoff);
  }

  public DidomiClientSettings withAuthRetryInterval(Duration interval) {
    return new DidomiClientSettings(integrationId, baseUrl, apiKey, apiSecret, maxConcurrency, callsPerWindow,
        rateWindow, timeout, maxQueued, breakerMaxFailures, breakerResetTimeout, tokenRefreshMargin, interval, maxBackoff);
  }

  /** "integration acme (Didomi https://api.didomi.io)": the context every error carries. */
  public String describe() {
    return "integration " + integrationId + " (Didomi " + baseUrl + ")";
  }
}
