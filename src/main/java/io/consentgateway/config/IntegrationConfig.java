package io.consentgateway.config;

import java.util.List;

/**
 * One Didomi organisation synced to one Actito profile table. The {@code id} is the URL segment of
 * both webhooks.
 */
public record IntegrationConfig(
    String id,
    DidomiConfig didomi,
    ActitoConfig actito,
    List<SubscriptionMapping> mappings,
    MetadataAttributes metadataAttributes,
    OnUserDeleted onUserDeleted,
    DispatchConfig dispatch,
    BidirectionalConfig bidirectional) {

  public IntegrationConfig {
    mappings = List.copyOf(mappings);
  }

  /**
   * {@code maxClockAheadMillis}: how far ahead of its arrival a Didomi timestamp may count. A
   * change cannot have been made after the gateway received it: a later stamp (Didomi's clock
   * running ahead, or a bogus date) counts as arrival plus this allowance, so that it can neither
   * beat an Actito change made after it nor freeze the field against every later choice.
   */
  public record DidomiConfig(String organizationId, String regulation, long maxClockAheadMillis) {

    /**
     * The default allowance: none. A Didomi change made before it was received carries a stamp no
     * later than its arrival anyway (network time only delays it); a stamp ahead of arrival is a
     * clock running ahead or a bogus date, and within any allowance it would still beat a choice
     * the person makes right after it.
     */
    public static final long DEFAULT_MAX_CLOCK_AHEAD_MILLIS = 0;

    public DidomiConfig(String organizationId, String regulation) {
      this(organizationId, regulation, DEFAULT_MAX_CLOCK_AHEAD_MILLIS);
    }
  }

  /**
   * What a {@code user.deleted} webhook does: to the user's Actito subscriptions ({@code
   * unsubscribeAll}) and to what the gateway holds on the user ({@code erase}: state, history, raw
   * webhooks, dead letters and queued writes are deleted; {@code unsubscribeAllAndErase}: once the
   * unsubscribe has reached Actito).
   */
  public enum OnUserDeleted {
    IGNORE,
    UNSUBSCRIBEALL,
    ERASE,
    UNSUBSCRIBEALLANDERASE;

    public boolean unsubscribes() {
      return this == UNSUBSCRIBEALL || this == UNSUBSCRIBEALLANDERASE;
    }
  }

  /**
   * Retry schedule of the dispatcher: exponential backoff with full jitter between {@code
   * initialBackoffMs} and {@code maxBackoffMs}; a change that still fails after {@code maxAttempts}
   * attempts or {@code maxAgeSeconds} becomes a dead letter. {@code inDoubtRecheckMs}: how long
   * after a write whose fate is unknown (it timed out, its connection broke, or the process died
   * with it in flight) the user's whole state is sent once more, so that the unknown write, should
   * Actito apply it late, cannot outlive a newer one; 0 turns it off.
   */
  public record DispatchConfig(
      int maxAttempts, long maxAgeSeconds, long initialBackoffMs, long maxBackoffMs, int shards,
      long inDoubtRecheckMs) {

    /** The default wait before the re-send after a write in doubt. */
    public static final long DEFAULT_IN_DOUBT_RECHECK_MS = 60_000;

    public DispatchConfig(int maxAttempts, long maxAgeSeconds, long initialBackoffMs, long maxBackoffMs, int shards) {
      this(maxAttempts, maxAgeSeconds, initialBackoffMs, maxBackoffMs, shards, DEFAULT_IN_DOUBT_RECHECK_MS);
    }
  }

  /**
   * The reverse flow, Actito webhooks written back to Didomi's Consents API. {@code didomiBaseUrl}
   * {@code sandbox} (port 8090) or {@code sandbox:PORT} starts the bundled Didomi sandbox.
   */
  public record BidirectionalConfig(
      boolean enabled,
      String webhookHeader,
      Secret webhookSecret,
      String didomiBaseUrl,
      Secret didomiApiKey,
      Secret didomiApiSecret) {

    public static final int SANDBOX_DEFAULT_PORT = 8090;

    public boolean usesDidomiSandbox() {
      return didomiBaseUrl.equals("sandbox") || didomiBaseUrl.startsWith("sandbox:");
    }

    public int didomiSandboxPort() {
      return didomiBaseUrl.equals("sandbox") ? SANDBOX_DEFAULT_PORT : Integer.parseInt(didomiBaseUrl.substring(8));
    }
  }
}
