package io.consentgateway.mapping;

import io.consentgateway.webhook.AttributeValue;
import io.consentgateway.webhook.DidomiChange;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.IntegrationConfig.OnUserDeleted;
import io.consentgateway.config.MetadataAttributes;
import io.consentgateway.config.SubscriptionMapping;
import io.consentgateway.logging.LogText;
import io.consentgateway.webhook.DidomiChange.Purpose;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Didomi → Actito rules of one integration (docs/design.md §2 and guarantees 3, 5–7), as pure code:
 * {@link #changesFor} turns a parsed webhook into the field updates it calls for, {@link #updateFor}
 * turns a user's merged state into the Actito request that brings the profile up to date.
 * Thread-safe; build one per integration at start-up.
 *
 * <p>Rules of {@link #changesFor}: a change without {@code organization_user_id}, an {@code
 * event.deleted}, a change for another regulation than the integration's, and an event not {@code
 * confirmed} (pending, or any other status) change nothing. A purpose with {@code enabled: false}
 * unsubscribes every mapping of that purpose; {@code enabled: true} subscribes its purpose-level
 * mappings; {@code enabled: null} leaves them as they are. A preference-level mapping depends on
 * two facts, each taken from the change when it carries it: its purpose's {@code enabled} (the
 * gate) and the preference's selection (selected iff its value id is in the comma-separated
 * selection); {@link ConsentState} derives the subscription from both, whichever webhook carried
 * them, as Didomi holds them. In a {@code user.updated}, a field
 * whose value the old entity already held is an observation, not a change: it never overrules a
 * change (a queued Actito change above all) and only fills a field nothing else set. A {@code user.deleted} unsubscribes
 * every mapping under {@code onUserDeleted: unsubscribeAll}, whatever the regulation (a deleted
 * user is deleted for all of them), and changes nothing under {@code ignore}. Metadata scalars become attributes per {@code metadataAttributes}; objects and arrays are
 * never sent (counted, logged once per key); a metadata key named like the user unique key is
 * ignored, because that attribute always carries {@code organization_user_id}.
 */
public final class ConsentMapper {

  private static final Logger LOG = LoggerFactory.getLogger(ConsentMapper.class);
  // bounds the memory a sender inventing new nested keys could make us spend on "logged once"
  private static final int MAX_REMEMBERED_DROPPED_KEYS = 1024;

  private final IntegrationConfig integration;
  private final String regulation;
  private final String userUniqueKey;
  private final MetadataAttributes metadataAttributes;
  private final OnUserDeleted onUserDeleted;
  private final SubscriptionMapping[] mappings;
  private final Map<String, int[]> mappingIndexesByPurpose;
  private final Set<String> loggedDroppedKeys = ConcurrentHashMap.newKeySet();
  private final LongAdder droppedMetadataValues = new LongAdder();

  public ConsentMapper(IntegrationConfig integration) {
    this.integration = Objects.requireNonNull(integration, "integration");
    String configured = integration.didomi() == null ? null : integration.didomi().regulation();
    this.regulation = configured == null || configured.isBlank()
        ? DidomiChange.DEFAULT_REGULATION
        : configured.trim().toLowerCase(java.util.Locale.ROOT);
    this.userUniqueKey = Objects.requireNonNull(integration.actito().userUniqueKey(), "actito.userUniqueKey");
    this.metadataAttributes = integration.metadataAttributes() == null ? MetadataAttributes.ALL : integration.metadataAttributes();
    this.onUserDeleted = integration.onUserDeleted() == null ? OnUserDeleted.IGNORE : integration.onUserDeleted();
    this.mappings = integration.mappings().toArray(new SubscriptionMapping[0]);
    Map<String, List<Integer>> byPurpose = new HashMap<>();
    for (int i = 0; i < mappings.length; i++) {
      byPurpose.computeIfAbsent(mappings[i].purpose(), k -> new ArrayList<>()).add(i);
    }
    Map<String, int[]> indexes = new HashMap<>();
    byPurpose.forEach((purpose, list) -> indexes.put(purpose, list.stream().mapToInt(Integer::intValue).toArray()));
    this.mappingIndexesByPurpose = Map.copyOf(indexes);
  }

  public IntegrationConfig integration() {
    return integration;
  }

  /** Metadata values never sent because they were objects or arrays, since start-up. */
  public long droppedMetadataValues() {
    return droppedMetadataValues.sum();
  }

  /** The field updates {@code change} calls for in this integration; {@link FieldChanges#none()} if none. */
  public FieldChanges changesFor(DidomiChange change) {
    String user = change.organizationUserId();
    if (user == null) {
      return FieldChanges.none();
    }
    switch (change.type()) {
      case EVENT_DELETED:
        return FieldChanges.none();
      case USER_DELETED:
        return onUserDeleted.unsubscribes() ? unsubscribeAll(change) : FieldChanges.none();
      default:
        break;
    }
    if (!regulation.equals(change.regulation())) {
      return FieldChanges.none();
    }
    if (change.status() != null && !DidomiChange.STATUS_CONFIRMED.equals(change.status())) {
      return FieldChanges.none();
    }

    // a user.updated repeats every purpose and metadata key; those its old entity already held the
    // same are not the user's choice now, only an observation of it (see ConsentState)
    DidomiChange.Previous previous = change.type() == DidomiChange.Type.USER_UPDATED ? change.previous() : null;
    byte[] slots = decisions(change.purposes());
    byte[] before = previous == null ? null : decisions(previous.purposes());
    int touched = 0;
    if (slots != null) {
      for (byte slot : slots) {
        touched += slot != 0 ? 1 : 0;
      }
    }

    Map<String, AttributeValue> metadata = change.metadata();
    FieldChanges.Builder out = FieldChanges.builder(
        user, change.timestampMillis(), change.version(), touched, metadataAttributes.mode() == MetadataAttributes.Mode.NONE ? 0 : metadata.size());
    if (previous != null) {
      out.observedStamp(previous.timestampMillis(), previous.version());
    }
    if (slots != null) {
      int n = mappings.length;
      for (int i = 0; i < n; i++) {
        if (slots[i] != 0) {
          // per value, as per purpose: a value whose membership the old entity already held the
          // same is only repeated by the new selection (a form re-submits the whole selection)
          boolean observed = before != null && before[i] == slots[i];
          if (mappings[i].isPurposeLevel()) {
            out.subscription(mappings[i].subscription(), slots[i] == 2, observed);
          } else {
            out.selection(mappings[i].subscription(), slots[i] == 2, observed);
          }
        }
        if (slots[n + i] != 0) {
          out.gate(mappings[i].subscription(), slots[n + i] == 2, before != null && before[n + i] == slots[n + i]);
        }
      }
    }
    if (metadataAttributes.mode() != MetadataAttributes.Mode.NONE) {
      for (Map.Entry<String, AttributeValue> entry : metadata.entrySet()) {
        String key = entry.getKey();
        if (metadataAttributes.includes(key) && !key.equals(userUniqueKey)) {
          out.attribute(key, entry.getValue(), previous != null && entry.getValue().equals(previous.metadata().get(key)));
        }
      }
      List<String> dropped = change.droppedMetadataKeys();
      for (int i = 0, n = dropped.size(); i < n; i++) {
        noteDropped(dropped.get(i));
      }
    }
    return out.build();
  }

  /**
   * Two slots per mapping, 0 untouched, 1 off, 2 on (the last purpose entry wins); null when none.
   * Slot {@code i}: the subscription's own fact — a purpose-level mapping's purpose {@code
   * enabled}, a preference-level mapping's selection. Slot {@code mappings.length + i}: a
   * preference-level mapping's gate, its purpose's {@code enabled} (see {@link ConsentState}).
   */
  private byte[] decisions(List<Purpose> purposes) {
    byte[] slots = null;
    int n = mappings.length;
    for (int p = 0, np = purposes.size(); p < np; p++) {
      Purpose purpose = purposes.get(p);
      int[] indexes = mappingIndexesByPurpose.get(purpose.id());
      if (indexes == null) {
        continue;
      }
      Boolean enabled = purpose.enabled();
      byte gate = enabled == null ? 0 : enabled ? (byte) 2 : 1;
      for (int index : indexes) {
        SubscriptionMapping mapping = mappings[index];
        if (slots == null) {
          slots = new byte[2 * n];
        }
        if (mapping.isPurposeLevel()) {
          slots[index] = gate;
        } else {
          String selection = purpose.preferenceValues().get(mapping.preference());
          slots[index] = selection == null ? 0 : isSelected(selection, mapping.value()) ? (byte) 2 : 1;
          slots[n + index] = gate;
        }
      }
    }
    return slots;
  }

  /** Whether {@code value} is one of the comma-separated ids of {@code selection} (blanks trimmed). */
  static boolean isSelected(String selection, String value) {
    int n = selection.length();
    int start = 0;
    while (start <= n) {
      int end = selection.indexOf(',', start);
      if (end < 0) {
        end = n;
      }
      int from = start;
      int to = end;
      while (from < to && Character.isWhitespace(selection.charAt(from))) {
        from++;
      }
      while (to > from && Character.isWhitespace(selection.charAt(to - 1))) {
        to--;
      }
      if (to - from == value.length() && selection.regionMatches(from, value, 0, value.length())) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }

  private FieldChanges unsubscribeAll(DidomiChange change) {
    FieldChanges.Builder out = FieldChanges.builder(
        change.organizationUserId(), change.timestampMillis(), change.version(), mappings.length, 0);
    for (SubscriptionMapping mapping : mappings) {
      out.subscription(mapping.subscription(), false);
    }
    return out.build();
  }

  private void noteDropped(String key) {
    if (!metadataAttributes.includes(key) || key.equals(userUniqueKey)) {
      return;
    }
    droppedMetadataValues.increment();
    if (loggedDroppedKeys.size() < MAX_REMEMBERED_DROPPED_KEYS && loggedDroppedKeys.add(key)) {
      LOG.warn("integration {}: Didomi metadata key '{}' holds an object or an array; such values are not sent to Actito"
          + " (logged once per key)", integration.id(), LogText.of(key));
    }
  }

  /**
   * What to send Actito so that the profile holds {@code desired}: the subscriptions (of this
   * integration's mappings, in mapping order) and attributes (of {@code metadataAttributes}) whose
   * desired value differs from {@code acknowledged}, plus the user unique key. {@code acknowledged}
   * may be empty or null (nothing acknowledged yet: everything is sent).
   *
   * @throws IllegalArgumentException if {@code desired} is empty or the states are for different users
   */
  public ActitoProfileUpdate updateFor(ConsentState desired, ConsentState acknowledged) {
    return updateFor(desired, acknowledged, name -> true, Map.of());
  }

  /**
   * As {@link #updateFor(ConsentState, ConsentState)}, leaving out the attributes {@code
   * tableHasAttribute} says the Actito table lacks (metadata keys it cannot take are not sent:
   * guarantee 11) and every field Actito refused at its current value ({@link DeliveryRules}).
   */
  public ActitoProfileUpdate updateFor(ConsentState desired, ConsentState acknowledged,
      java.util.function.Predicate<String> tableHasAttribute, Map<String, String> refused) {
    if (desired.isEmpty()) {
      throw new IllegalArgumentException("the desired consent state is empty: there is no user to update");
    }
    ConsentState acked = acknowledged == null ? ConsentState.empty() : acknowledged;
    if (!acked.isEmpty() && !acked.organizationUserId().equals(desired.organizationUserId())) {
      throw new IllegalArgumentException("desired and acknowledged consent states are for different users");
    }

    String[] subscriptionNames = new String[mappings.length];
    boolean[] subscribed = new boolean[mappings.length];
    int subscriptions = 0;
    for (SubscriptionMapping mapping : mappings) {
      String name = mapping.subscription();
      Boolean wanted = desired.subscription(name);
      if (wanted != null && !wanted.equals(acked.subscription(name))
          && !DeliveryRules.refusedAsIs(refused, DeliveryRules.subscriptionField(name), DeliveryRules.valueText(wanted))) {
        subscriptionNames[subscriptions] = name;
        subscribed[subscriptions++] = wanted;
      }
    }

    Map<String, ConsentState.Attribute> fields = desired.attributeFields();
    String[] attributeNames = new String[fields.size()];
    AttributeValue[] attributeValues = new AttributeValue[fields.size()];
    int attributes = 0;
    if (metadataAttributes.mode() != MetadataAttributes.Mode.NONE) {
      for (Map.Entry<String, ConsentState.Attribute> entry : fields.entrySet()) {
        String name = entry.getKey();
        AttributeValue wanted = entry.getValue().value();
        if (metadataAttributes.includes(name) && !name.equals(userUniqueKey) && !wanted.equals(acked.attribute(name))
            && tableHasAttribute.test(name)
            && !DeliveryRules.refusedAsIs(refused, DeliveryRules.attributeField(name), DeliveryRules.valueText(wanted))) {
          attributeNames[attributes] = name;
          attributeValues[attributes++] = wanted;
        }
      }
    }
    return new ActitoProfileUpdate(userUniqueKey, desired.organizationUserId(), attributeNames, attributeValues,
        attributes, subscriptionNames, subscribed, subscriptions, desired.newestChangeMillis());
  }
}
