package io.consentgateway.webhook;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One profile's subscription change pushed by an Actito webhook.
 *
 * <ul>
 *   <li>{@code index}: the profile's position in the webhook's {@code data} (0 for a single push).
 *   <li>{@code profileId}: Actito's id of the profile, null when the payload had none.
 *   <li>{@code organizationUserId}: the value of the integration's user unique key attribute — the
 *       Didomi {@code organization_user_id} — or null when the payload did not carry it (not an
 *       error: the caller skips and counts such a change).
 *   <li>{@code subscriptions}: every subscription the payload carried, name → subscribed, in
 *       payload order (the last entry wins for a repeated name); mapped or not.
 *   <li>{@code deliveryKey}: the idempotency key of this change, the same for every redelivery of
 *       this webhook and never shared by two distinct changes (see {@link #deliveryKey(String,
 *       int, String, byte[])}).
 * </ul>
 *
 * Immutable. {@link #toString()} leaves the user id out: it is personal data.
 */
public record ActitoProfileChange(
    int index, Long profileId, String organizationUserId, Map<String, Boolean> subscriptions, String deliveryKey) {

  public ActitoProfileChange {
    Objects.requireNonNull(deliveryKey, "deliveryKey");
    // keep payload order: tests, logs and the reverse mapping read it in the order Actito sent it
    subscriptions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(subscriptions));
  }

  /**
   * The delivery key of change {@code index}, for {@code userKey} (null when absent), of a webhook
   * whose envelope {@code id} is {@code webhookId} and whose exact bytes are {@code body}: {@code
   * <webhookId>:<index>:<digest of webhookId and userKey>} — an id Actito reuses for another
   * user still gives another key — or, when the webhook has no id, {@code -:<index>:<digest of
   * body and userKey>}, so that only a byte-identical redelivery shares it. The readable id is cut
   * to printable ASCII and 64 characters ({@link DeliveryDigest#readable}); the digest covers it
   * whole. The user key enters only the digest: this key appears in logs.
   */
  public static String deliveryKey(String webhookId, int index, String userKey, byte[] body) {
    String digest = webhookId != null
        ? DeliveryDigest.of(webhookId.getBytes(StandardCharsets.UTF_8), userKey)
        : DeliveryDigest.of(body, userKey);
    return DeliveryDigest.readable(webhookId) + ':' + index + ':' + digest;
  }

  public boolean hasUserKey() {
    return organizationUserId != null;
  }

  @Override
  public String toString() {
    return "ActitoProfileChange[" + deliveryKey + ", profileId " + profileId + ", userKey "
        + (organizationUserId == null ? "missing" : "present") + ", subscriptions " + subscriptions + "]";
  }
}
