package io.consentgateway.mapping;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One Didomi consent event to write with {@code POST /v1/consents/events} (docs/design.md §2, Didomi Consents API), built by
 * {@link ReverseMapper} from one Actito profile change.
 *
 * <ul>
 *   <li>{@code id}: the event id, a name-based UUID of the integration and the change's delivery
 *       key: a redelivered Actito webhook yields the same id, and Didomi never imports it twice.
 *   <li>{@code organizationUserId}: the Didomi user.
 *   <li>{@code json}: the request body, {@code {"id", "user": {"organization_user_id"}, "consents":
 *       {"purposes": [...]}}}, ready to store durably and send.
 *   <li>{@code subscriptions}: what this event makes Didomi say about the mapped Actito
 *       subscriptions, by the Didomi → Actito rules (docs/design.md, guarantee 7): the values a Didomi webhook
 *       echoing this event maps back to. Record it to recognise that echo (docs/design.md, guarantee 9).
 * </ul>
 *
 * Immutable; {@link #toString()} leaves the user id and body out (personal data).
 */
public record DidomiConsentEvent(String id, String organizationUserId, String json, Map<String, Boolean> subscriptions) {

  public DidomiConsentEvent {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(organizationUserId, "organizationUserId");
    Objects.requireNonNull(json, "json");
    subscriptions = Collections.unmodifiableMap(new LinkedHashMap<>(subscriptions));
  }

  @Override
  public String toString() {
    return "DidomiConsentEvent[" + id + ", subscriptions " + subscriptions + "]";
  }
}
