package io.consentgateway.store;

import io.consentgateway.mapping.FieldChanges;
import java.util.Objects;

/**
 * One authenticated, validated webhook ready to be stored. {@code dedupKey} identifies the delivery:
 * a redelivery of the same webhook carries the same key. {@code body} is the raw request body, kept
 * for audit and replay. {@code changes} are the per-field updates the integration's rules draw from
 * it, merged newest-wins into the user's state ({@link FieldChanges#none()} when it changes nothing).
 * {@code writesBack}: the integration writes Actito changes back to Didomi, so the values that only
 * echo a write-back must be recognised before merging; {@code didomiEventId}: for an event
 * webhook, the event's id (the gateway's own write-backs have ids it chose), else null. {@code
 * maxClockAheadMillis}: how far ahead of its arrival the change's stamp may count; a later stamp
 * counts at the <em>first</em> arrival of the same change plus this allowance, so that a
 * redelivery, byte-identical or not, can never count later than the change it repeats ({@link
 * FieldChanges#notLaterThan}).
 */
public record InboundWebhook(
    String integration,
    WebhookSource source,
    String dedupKey,
    String userKey,
    String type,
    long receivedAtMillis,
    byte[] body,
    FieldChanges changes,
    boolean writesBack,
    Erasure erasure,
    String didomiEventId,
    long maxClockAheadMillis) {

  /**
   * What the webhook asks of the gateway's own data on the user: nothing; to erase it at once (a
   * {@code user.deleted} under {@code onUserDeleted: erase}); or to erase it once its changes
   * reached Actito ({@code unsubscribeAllAndErase}).
   */
  public enum Erasure {
    NONE,
    NOW,
    AFTER_DELIVERY
  }

  public InboundWebhook(String integration, WebhookSource source, String dedupKey, String userKey, String type,
      long receivedAtMillis, byte[] body, FieldChanges changes, boolean writesBack) {
    this(integration, source, dedupKey, userKey, type, receivedAtMillis, body, changes, writesBack, Erasure.NONE, null,
        NO_CLOCK_AHEAD_LIMIT);
  }

  /** {@code maxClockAheadMillis} when nothing bounds how far ahead of arrival the changes' stamp may count. */
  public static final long NO_CLOCK_AHEAD_LIMIT = Long.MAX_VALUE;

  public InboundWebhook {
    Objects.requireNonNull(integration, "integration");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(dedupKey, "dedupKey");
    Objects.requireNonNull(userKey, "userKey");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(changes, "changes");
    Objects.requireNonNull(erasure, "erasure");
  }
}
