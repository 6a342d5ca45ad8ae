package io.consentgateway.mapping;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one Didomi change asks of one integration's Actito profile: subscriptions to set and
 * attributes to write, all stamped with the change's own timestamp and version. Produced by {@link
 * ConsentMapper#changesFor}, consumed by {@link ConsentState#merge}. Immutable.
 */
public final class FieldChanges {

  private static final String[] NO_NAMES = new String[0];
  private static final FieldChanges NONE =
      new FieldChanges(null, 0, 0, NO_NAMES, new boolean[0], 0, NO_NAMES, new AttributeValue[0], 0);

  private final String organizationUserId;
  private final long timestampMillis;
  private final long version;
  private final String[] subscriptionNames;
  private final boolean[] subscribed;
  private final int subscriptionCount;
  private final String[] attributeNames;
  private final AttributeValue[] attributeValues;
  private final int attributeCount;

  private FieldChanges(
      String organizationUserId,
      long timestampMillis,
      long version,
      String[] subscriptionNames,
      boolean[] subscribed,
      int subscriptionCount,
      String[] attributeNames,
      AttributeValue[] attributeValues,
      int attributeCount) {
    this.organizationUserId = organizationUserId;
    this.timestampMillis = timestampMillis;
    this.version = version;
    this.subscriptionNames = subscriptionNames;
    this.subscribed = subscribed;
    this.subscriptionCount = subscriptionCount;
    this.attributeNames = attributeNames;
    this.attributeValues = attributeValues;
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
    if (!any) {
      return this;
    }
    Builder builder = builder(organizationUserId, timestampMillis, version, subscriptionCount, attributeCount);
    for (int i = 0; i < subscriptionCount; i++) {
      if (!names.contains(subscriptionNames[i])) {
        builder.subscription(subscriptionNames[i], subscribed[i]);
      }
    }
    for (int i = 0; i < attributeCount; i++) {
      builder.attribute(attributeNames[i], attributeValues[i]);
    }
    return builder.build();
  }

  /** A change that changes nothing (ignored regulation, pending, deleted event, no user...). */
  public static FieldChanges none() {
    return NONE;
  }

  static Builder builder(String organizationUserId, long timestampMillis, long version, int subscriptions, int attributes) {
    return new Builder(organizationUserId, timestampMillis, version, subscriptions, attributes);
  }

  public boolean isEmpty() {
    return subscriptionCount == 0 && attributeCount == 0;
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
        + ", attributes " + Arrays.asList(attributeNames).subList(0, attributeCount) + "]";
  }

  /** Collects one change's fields; the caller gives each name at most once. */
  static final class Builder {
    private final String organizationUserId;
    private final long timestampMillis;
    private final long version;
    private String[] subscriptionNames;
    private boolean[] subscribed;
    private int subscriptionCount;
    private String[] attributeNames;
    private AttributeValue[] attributeValues;
    private int attributeCount;

    private Builder(String organizationUserId, long timestampMillis, long version, int subscriptions, int attributes) {
      this.organizationUserId = organizationUserId;
      this.timestampMillis = timestampMillis;
      this.version = version;
      this.subscriptionNames = subscriptions == 0 ? NO_NAMES : new String[subscriptions];
      this.subscribed = new boolean[subscriptions];
      this.attributeNames = attributes == 0 ? NO_NAMES : new String[attributes];
      this.attributeValues = new AttributeValue[attributes];
    }

    Builder subscription(String name, boolean subscribe) {
      if (subscriptionCount == subscriptionNames.length) {
        int size = Math.max(4, subscriptionCount * 2);
        subscriptionNames = Arrays.copyOf(subscriptionNames, size);
        subscribed = Arrays.copyOf(subscribed, size);
      }
      subscriptionNames[subscriptionCount] = name;
      subscribed[subscriptionCount++] = subscribe;
      return this;
    }

    Builder attribute(String name, AttributeValue value) {
      if (attributeCount == attributeNames.length) {
        int size = Math.max(4, attributeCount * 2);
        attributeNames = Arrays.copyOf(attributeNames, size);
        attributeValues = Arrays.copyOf(attributeValues, size);
      }
      attributeNames[attributeCount] = name;
      attributeValues[attributeCount++] = value;
      return this;
    }

    FieldChanges build() {
      if (subscriptionCount == 0 && attributeCount == 0) {
        return NONE;
      }
      return new FieldChanges(organizationUserId, timestampMillis, version, subscriptionNames, subscribed,
          subscriptionCount, attributeNames, attributeValues, attributeCount);
    }
  }
}
