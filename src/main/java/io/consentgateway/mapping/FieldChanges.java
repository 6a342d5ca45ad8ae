package io.consentgateway.mapping;

import io.consentgateway.webhook.AttributeValue;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one Didomi change asks of one integration's Actito profile: subscriptions to set and
 * attributes to write, all stamped with the change's own timestamp and version — except the
 * fields marked <em>observed</em>: values a {@code user.updated} repeats unchanged from its old
 * entity. Those are not changes; they carry the old entity's stamp ({@link #observedMillis()})
 * and lose to every change in {@link ConsentState#merge}. Produced by {@link
 * ConsentMapper#changesFor}, consumed by {@link ConsentState#merge}. Immutable.
 *
 * <p>A preference-level subscription (purpose / preference / value) depends on two Didomi facts
 * that change apart: whether its purpose is enabled, and whether its value is selected. Its
 * {@linkplain #subscribes subscription} entry is the selection; its {@linkplain #gateEnabled gate}
 * entry is the purpose's {@code enabled}. A purpose-level subscription has no gate: its entry is
 * the purpose's {@code enabled}. {@link ConsentState} keeps both facts and derives the value.
 */
public final class FieldChanges {

  private static final String[] NO_NAMES = new String[0];
  private static final boolean[] NO_FLAGS = new boolean[0];
  private static final FieldChanges NONE = new FieldChanges(null, 0, 0, 0, 0, NO_NAMES, NO_FLAGS, NO_FLAGS, NO_FLAGS, 0,
      NO_NAMES, NO_FLAGS, NO_FLAGS, 0, NO_NAMES, new AttributeValue[0], NO_FLAGS, 0);

  private final String organizationUserId;
  private final long timestampMillis;
  private final long version;
  private final long observedMillis;
  private final long observedVersion;
  private final String[] subscriptionNames;
  private final boolean[] subscribed;
  private final boolean[] subscriptionObserved;
  private final boolean[] subscriptionSelection;
  private final int subscriptionCount;
  private final String[] gateNames;
  private final boolean[] gateEnabled;
  private final boolean[] gateObserved;
  private final int gateCount;
  private final String[] attributeNames;
  private final AttributeValue[] attributeValues;
  private final boolean[] attributeObserved;
  private final int attributeCount;

  private FieldChanges(
      String organizationUserId,
      long timestampMillis,
      long version,
      long observedMillis,
      long observedVersion,
      String[] subscriptionNames,
      boolean[] subscribed,
      boolean[] subscriptionObserved,
      boolean[] subscriptionSelection,
      int subscriptionCount,
      String[] gateNames,
      boolean[] gateEnabled,
      boolean[] gateObserved,
      int gateCount,
      String[] attributeNames,
      AttributeValue[] attributeValues,
      boolean[] attributeObserved,
      int attributeCount) {
    this.organizationUserId = organizationUserId;
    this.timestampMillis = timestampMillis;
    this.version = version;
    this.observedMillis = observedMillis;
    this.observedVersion = observedVersion;
    this.subscriptionNames = subscriptionNames;
    this.subscribed = subscribed;
    this.subscriptionObserved = subscriptionObserved;
    this.subscriptionSelection = subscriptionSelection;
    this.subscriptionCount = subscriptionCount;
    this.gateNames = gateNames;
    this.gateEnabled = gateEnabled;
    this.gateObserved = gateObserved;
    this.gateCount = gateCount;
    this.attributeNames = attributeNames;
    this.attributeValues = attributeValues;
    this.attributeObserved = attributeObserved;
    this.attributeCount = attributeCount;
  }

  /**
   * Subscription values observed at {@code timestampMillis} outside Didomi (an Actito webhook),
   * for the user {@code organizationUserId}; version 0.
   */
  public static FieldChanges ofSubscriptions(String organizationUserId, long timestampMillis, Map<String, Boolean> subscriptions) {
    Builder builder = builder(organizationUserId, timestampMillis, 0, subscriptions.size(), 0);
    new java.util.TreeMap<>(subscriptions).forEach(builder::subscription);
    return builder.build();
  }

  /** These changes less the named subscriptions (attributes kept); itself when none is named. */
  public FieldChanges withoutSubscriptions(java.util.Set<String> names) {
    boolean any = false;
    for (int i = 0; i < subscriptionCount && !any; i++) {
      any = names.contains(subscriptionNames[i]);
    }
    for (int i = 0; i < gateCount && !any; i++) {
      any = names.contains(gateNames[i]);
    }
    if (!any) {
      return this;
    }
    Builder builder = builder(organizationUserId, timestampMillis, version, subscriptionCount, attributeCount)
        .observedStamp(observedMillis, observedVersion);
    for (int i = 0; i < subscriptionCount; i++) {
      if (!names.contains(subscriptionNames[i])) {
        builder.subscription(subscriptionNames[i], subscribed[i], subscriptionObserved[i], subscriptionSelection[i]);
      }
    }
    for (int i = 0; i < gateCount; i++) {
      if (!names.contains(gateNames[i])) {
        builder.gate(gateNames[i], gateEnabled[i], gateObserved[i]);
      }
    }
    for (int i = 0; i < attributeCount; i++) {
      builder.attribute(attributeNames[i], attributeValues[i], attributeObserved[i]);
    }
    return builder.build();
  }

  /**
   * These changes stamped no later than {@code maxMillis}: a change (and an observation) whose
   * stamp is later counts at {@code maxMillis}; itself when none is. The version is kept, so two
   * changes clamped to the same stamp keep their order by version.
   */
  public FieldChanges notLaterThan(long maxMillis) {
    if (timestampMillis <= maxMillis && observedMillis <= maxMillis) {
      return this;
    }
    return new FieldChanges(organizationUserId, Math.min(timestampMillis, maxMillis), version,
        Math.min(observedMillis, maxMillis), observedVersion, subscriptionNames, subscribed, subscriptionObserved,
        subscriptionSelection, subscriptionCount, gateNames, gateEnabled, gateObserved, gateCount, attributeNames, attributeValues, attributeObserved, attributeCount);
  }

  /** A change that changes nothing (ignored regulation, pending, deleted event, no user...). */
  public static FieldChanges none() {
    return NONE;
  }

  static Builder builder(String organizationUserId, long timestampMillis, long version, int subscriptions, int attributes) {
    return new Builder(organizationUserId, timestampMillis, version, subscriptions, attributes);
  }

  public boolean isEmpty() {
    return subscriptionCount == 0 && gateCount == 0 && attributeCount == 0;
  }

  /** The user these changes are for; null only for {@link #none()}. */
  public String organizationUserId() {
    return organizationUserId;
  }

  public long timestampMillis() {
    return timestampMillis;
  }

  public long version() {
    return version;
  }

  /** The stamp of the observed fields: the old entity's timestamp (0 when nothing is observed). */
  public long observedMillis() {
    return observedMillis;
  }

  public long observedVersion() {
    return observedVersion;
  }

  public int subscriptionCount() {
    return subscriptionCount;
  }

  public String subscriptionName(int index) {
    checkIndex(index, subscriptionCount);
    return subscriptionNames[index];
  }

  public boolean subscribes(int index) {
    checkIndex(index, subscriptionCount);
    return subscribed[index];
  }

  /**
   * Whether the subscription entry at {@code index} is a preference-level subscription's selection
   * (its purpose's {@code enabled} being a gate of its own), not the whole value.
   */
  public boolean subscriptionIsSelection(int index) {
    checkIndex(index, subscriptionCount);
    return subscriptionSelection[index];
  }

  /** Whether the subscription at {@code index} is only observed, not changed (see the class comment). */
  public boolean subscriptionObserved(int index) {
    checkIndex(index, subscriptionCount);
    return subscriptionObserved[index];
  }

  /** How many gate entries (a preference-level subscription's purpose {@code enabled}) these changes hold. */
  public int gateCount() {
    return gateCount;
  }

  /** The preference-level subscription whose purpose's {@code enabled} the gate at {@code index} is. */
  public String gateName(int index) {
    checkIndex(index, gateCount);
    return gateNames[index];
  }

  /** Whether the purpose of the gate at {@code index} is enabled. */
  public boolean gateEnabled(int index) {
    checkIndex(index, gateCount);
    return gateEnabled[index];
  }

  /** Whether the gate at {@code index} is only observed, not changed. */
  public boolean gateObserved(int index) {
    checkIndex(index, gateCount);
    return gateObserved[index];
  }

  /** The gates as a map, for tests and diagnostics. */
  public Map<String, Boolean> gates() {
    Map<String, Boolean> out = new LinkedHashMap<>();
    for (int i = 0; i < gateCount; i++) {
      out.put(gateNames[i], gateEnabled[i]);
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * What these changes alone say of each subscription they touch, observations aside: a disabled
   * gate unsubscribes, else the subscription entry decides; a subscription touched only by an
   * enabled gate is absent (its selection decides, and these changes do not carry it).
   */
  public Map<String, Boolean> impliedSubscriptions() {
    Map<String, Boolean> out = new LinkedHashMap<>();
    for (int i = 0; i < subscriptionCount; i++) {
      if (!subscriptionObserved[i]) {
        out.put(subscriptionNames[i], subscribed[i]);
      }
    }
    for (int i = 0; i < gateCount; i++) {
      if (!gateObserved[i] && !gateEnabled[i]) {
        out.put(gateNames[i], false);
      }
    }
    return out;
  }

  public int attributeCount() {
    return attributeCount;
  }

  public String attributeName(int index) {
    checkIndex(index, attributeCount);
    return attributeNames[index];
  }

  public AttributeValue attributeValue(int index) {
    checkIndex(index, attributeCount);
    return attributeValues[index];
  }

  /** Whether the attribute at {@code index} is only observed, not changed. */
  public boolean attributeObserved(int index) {
    checkIndex(index, attributeCount);
    return attributeObserved[index];
  }

  /** The subscriptions as a map, for tests and diagnostics (the merge reads the arrays). */
  public Map<String, Boolean> subscriptions() {
    Map<String, Boolean> out = new LinkedHashMap<>();
    for (int i = 0; i < subscriptionCount; i++) {
      out.put(subscriptionNames[i], subscribed[i]);
    }
    return Collections.unmodifiableMap(out);
  }

  /** The attributes as a map, for tests and diagnostics. */
  public Map<String, AttributeValue> attributes() {
    Map<String, AttributeValue> out = new LinkedHashMap<>();
    for (int i = 0; i < attributeCount; i++) {
      out.put(attributeNames[i], attributeValues[i]);
    }
    return Collections.unmodifiableMap(out);
  }

  private static void checkIndex(int index, int count) {
    if (index < 0 || index >= count) {
      throw new IndexOutOfBoundsException(index);
    }
  }

  @Override
  public String toString() {
    return "FieldChanges[at " + timestampMillis + " v" + version + ", subscriptions " + subscriptions().keySet()
        + (gateCount == 0 ? "" : ", gates " + gates().keySet()) + ", attributes " + Arrays.asList(attributeNames).subList(0, attributeCount) + "]";
  }

  /** Collects one change's fields; the caller gives each name at most once. */
  static final class Builder {
    private final String organizationUserId;
    private final long timestampMillis;
    private final long version;
    private long observedMillis;
    private long observedVersion;
    private String[] subscriptionNames;
    private boolean[] subscribed;
    private boolean[] subscriptionObserved;
    private boolean[] subscriptionSelection;
    private int subscriptionCount;
    private String[] gateNames = NO_NAMES;
    private boolean[] gateEnabled = NO_FLAGS;
    private boolean[] gateObserved = NO_FLAGS;
    private int gateCount;
    private String[] attributeNames;
    private AttributeValue[] attributeValues;
    private boolean[] attributeObserved;
    private int attributeCount;

    private Builder(String organizationUserId, long timestampMillis, long version, int subscriptions, int attributes) {
      this.organizationUserId = organizationUserId;
      this.timestampMillis = timestampMillis;
      this.version = version;
      this.subscriptionNames = subscriptions == 0 ? NO_NAMES : new String[subscriptions];
      this.subscribed = new boolean[subscriptions];
      this.subscriptionObserved = new boolean[subscriptions];
      this.subscriptionSelection = new boolean[subscriptions];
      this.attributeNames = attributes == 0 ? NO_NAMES : new String[attributes];
      this.attributeValues = new AttributeValue[attributes];
      this.attributeObserved = new boolean[attributes];
    }

    /** The stamp of the fields added as observed: the old entity's timestamp and version. */
    Builder observedStamp(long millis, long version) {
      this.observedMillis = millis;
      this.observedVersion = version;
      return this;
    }

    Builder subscription(String name, boolean subscribe) {
      return subscription(name, subscribe, false);
    }

    Builder subscription(String name, boolean subscribe, boolean observed) {
      return subscription(name, subscribe, observed, false);
    }

    /** A preference-level subscription's selection ({@link #subscriptionIsSelection}). */
    Builder selection(String name, boolean selected, boolean observed) {
      return subscription(name, selected, observed, true);
    }

    Builder subscription(String name, boolean subscribe, boolean observed, boolean selection) {
      if (subscriptionCount == subscriptionNames.length) {
        int size = Math.max(4, subscriptionCount * 2);
        subscriptionNames = Arrays.copyOf(subscriptionNames, size);
        subscribed = Arrays.copyOf(subscribed, size);
        subscriptionObserved = Arrays.copyOf(subscriptionObserved, size);
        subscriptionSelection = Arrays.copyOf(subscriptionSelection, size);
      }
      subscriptionNames[subscriptionCount] = name;
      subscriptionSelection[subscriptionCount] = selection;
      subscriptionObserved[subscriptionCount] = observed;
      subscribed[subscriptionCount++] = subscribe;
      return this;
    }

    /** The purpose {@code enabled} a preference-level subscription depends on. */
    Builder gate(String name, boolean enabled, boolean observed) {
      if (gateCount == gateNames.length) {
        int size = Math.max(4, gateCount * 2);
        gateNames = Arrays.copyOf(gateNames, size);
        gateEnabled = Arrays.copyOf(gateEnabled, size);
        gateObserved = Arrays.copyOf(gateObserved, size);
      }
      gateNames[gateCount] = name;
      gateObserved[gateCount] = observed;
      gateEnabled[gateCount++] = enabled;
      return this;
    }

    Builder attribute(String name, AttributeValue value) {
      return attribute(name, value, false);
    }

    Builder attribute(String name, AttributeValue value, boolean observed) {
      if (attributeCount == attributeNames.length) {
        int size = Math.max(4, attributeCount * 2);
        attributeNames = Arrays.copyOf(attributeNames, size);
        attributeValues = Arrays.copyOf(attributeValues, size);
        attributeObserved = Arrays.copyOf(attributeObserved, size);
      }
      attributeNames[attributeCount] = name;
      attributeObserved[attributeCount] = observed;
      attributeValues[attributeCount++] = value;
      return this;
    }

    FieldChanges build() {
      if (subscriptionCount == 0 && gateCount == 0 && attributeCount == 0) {
        return NONE;
      }
      return new FieldChanges(organizationUserId, timestampMillis, version, observedMillis, observedVersion,
          subscriptionNames, subscribed, subscriptionObserved, subscriptionSelection, subscriptionCount, gateNames,
          gateEnabled, gateObserved,
          gateCount, attributeNames, attributeValues,
          attributeObserved, attributeCount);
    }
  }
}
