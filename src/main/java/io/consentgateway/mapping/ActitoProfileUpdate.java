package io.consentgateway.mapping;

import io.consentgateway.webhook.AttributeValue;
import io.consentgateway.webhook.IsoTimestamps;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The Actito profile update one user needs: the fields whose desired value differs from what
 * Actito last acknowledged, plus the user unique key attribute, which always carries Didomi's
 * {@code organization_user_id}. {@link #toJson()} is the body of {@code POST .../profile}
 * (docs/design.md §2, Actito REST API). Immutable; built by {@link ConsentMapper#updateFor}.
 */
public final class ActitoProfileUpdate {

  public static final String SOURCE = "Didomi";
  public static final String WAY = "consent-gateway";

  private final String userUniqueKey;
  private final String organizationUserId;
  private final String[] attributeNames;
  private final AttributeValue[] attributeValues;
  private final int attributeCount;
  private final String[] subscriptionNames;
  private final boolean[] subscribed;
  private final int subscriptionCount;
  private final long changeMillis;

  ActitoProfileUpdate(
      String userUniqueKey,
      String organizationUserId,
      String[] attributeNames,
      AttributeValue[] attributeValues,
      int attributeCount,
      String[] subscriptionNames,
      boolean[] subscribed,
      int subscriptionCount,
      long changeMillis) {
    this.userUniqueKey = userUniqueKey;
    this.organizationUserId = organizationUserId;
    this.attributeNames = attributeNames;
    this.attributeValues = attributeValues;
    this.attributeCount = attributeCount;
    this.subscriptionNames = subscriptionNames;
    this.subscribed = subscribed;
    this.subscriptionCount = subscriptionCount;
    this.changeMillis = changeMillis;
  }

  /** An update of the given fields, in the order given (tests, and callers outside the mapper). */
  public static ActitoProfileUpdate of(String userUniqueKey, String organizationUserId,
      Map<String, AttributeValue> attributes, Map<String, Boolean> subscriptions, long changeMillis) {
    String[] attributeNames = attributes.keySet().toArray(new String[0]);
    AttributeValue[] attributeValues = attributes.values().toArray(new AttributeValue[0]);
    String[] subscriptionNames = subscriptions.keySet().toArray(new String[0]);
    boolean[] subscribed = new boolean[subscriptionNames.length];
    for (int i = 0; i < subscribed.length; i++) {
      subscribed[i] = subscriptions.get(subscriptionNames[i]);
    }
    return new ActitoProfileUpdate(userUniqueKey, organizationUserId, attributeNames, attributeValues,
        attributeNames.length, subscriptionNames, subscribed, subscribed.length, changeMillis);
  }

  /** True when Actito already holds every desired value: there is nothing to send. */
  public boolean isEmpty() {
    return attributeCount == 0 && subscriptionCount == 0;
  }

  /** The Actito attribute that identifies the profile, e.g. {@code customerId}. */
  public String userUniqueKey() {
    return userUniqueKey;
  }

  /** Its value: the Didomi {@code organization_user_id}. */
  public String organizationUserId() {
    return organizationUserId;
  }

  /** The changed attributes, without the unique key. */
  public Map<String, AttributeValue> attributes() {
    Map<String, AttributeValue> out = new LinkedHashMap<>();
    for (int i = 0; i < attributeCount; i++) {
      out.put(attributeNames[i], attributeValues[i]);
    }
    return Collections.unmodifiableMap(out);
  }

  /** The changed subscriptions: true subscribes, false unsubscribes. */
  public Map<String, Boolean> subscriptions() {
    Map<String, Boolean> out = new LinkedHashMap<>();
    for (int i = 0; i < subscriptionCount; i++) {
      out.put(subscriptionNames[i], subscribed[i]);
    }
    return Collections.unmodifiableMap(out);
  }

  /** When the newest change behind this update took effect in Didomi (epoch millis). */
  public long changeMillis() {
    return changeMillis;
  }

  private static final byte[] BODY_START = AsciiJson.ascii("{\"attributes\":[");
  private static final byte[] NAME = AsciiJson.ascii("{\"name\":");
  private static final byte[] VALUE = AsciiJson.ascii(",\"value\":");
  private static final byte[] SUBSCRIBE_TRUE = AsciiJson.ascii(",\"subscribe\":true}");
  private static final byte[] SUBSCRIBE_FALSE = AsciiJson.ascii(",\"subscribe\":false}");
  private static final byte[] SUBSCRIPTIONS = AsciiJson.ascii("],\"subscriptions\":[");
  private static final byte[] COLLECTION = AsciiJson.ascii("],\"dataCollectionInformation\":{\"date\":");
  private static final byte[] BODY_END = AsciiJson.ascii(",\"source\":\"" + SOURCE + "\",\"way\":\"" + WAY + "\"}}");

  /**
   * {@code {"attributes":[{"name":..,"value":..}],"subscriptions":[{"name":..,"subscribe":..}],
   * "dataCollectionInformation":{"date":..,"source":"Didomi","way":"consent-gateway"}}}: the unique
   * key attribute first, numbers as Didomi sent them, the date as {@code yyyy-MM-ddTHH:mm:ss.SSSZ}.
   * ASCII-only JSON (other characters as {@code \\u} escapes), sized exactly before it is written.
   */
  public byte[] toJson() {
    String date = IsoTimestamps.format(changeMillis);
    int size = BODY_START.length + attributeSize(userUniqueKey, AsciiJson.stringSize(organizationUserId))
        + SUBSCRIPTIONS.length + COLLECTION.length + AsciiJson.stringSize(date) + BODY_END.length;
    for (int i = 0; i < attributeCount; i++) {
      size += 1 + attributeSize(attributeNames[i], valueSize(attributeValues[i]));
    }
    for (int i = 0; i < subscriptionCount; i++) {
      size += (i == 0 ? 0 : 1) + NAME.length + AsciiJson.stringSize(subscriptionNames[i])
          + (subscribed[i] ? SUBSCRIBE_TRUE.length : SUBSCRIBE_FALSE.length);
    }

    byte[] out = new byte[size];
    int at = AsciiJson.writeRaw(out, 0, BODY_START);
    at = AsciiJson.writeRaw(out, at, NAME);
    at = AsciiJson.writeString(out, at, userUniqueKey);
    at = AsciiJson.writeRaw(out, at, VALUE);
    at = AsciiJson.writeString(out, at, organizationUserId);
    out[at++] = '}';
    for (int i = 0; i < attributeCount; i++) {
      out[at++] = ',';
      at = writeAttribute(out, at, attributeNames[i], attributeValues[i]);
    }
    at = AsciiJson.writeRaw(out, at, SUBSCRIPTIONS);
    for (int i = 0; i < subscriptionCount; i++) {
      if (i > 0) {
        out[at++] = ',';
      }
      at = AsciiJson.writeRaw(out, at, NAME);
      at = AsciiJson.writeString(out, at, subscriptionNames[i]);
      at = AsciiJson.writeRaw(out, at, subscribed[i] ? SUBSCRIBE_TRUE : SUBSCRIBE_FALSE);
    }
    at = AsciiJson.writeRaw(out, at, COLLECTION);
    at = AsciiJson.writeString(out, at, date);
    at = AsciiJson.writeRaw(out, at, BODY_END);
    if (at != size) {
      throw new IllegalStateException("Actito body size miscounted: " + at + " != " + size);
    }
    return out;
  }

  /**
   * The V5 body: {@code {"key":{<uniqueKey>:<value>},"attributes":{name:value},"subscriptions":
   * {name:bool}}} with {@code withKey} (the upsert, {@code PUT .../profiles}), without the key for
   * an update of a profile named in the URL ({@code PATCH .../profiles/{key}}). Numbers exactly as
   * Didomi sent them; ASCII-only JSON, sized exactly before it is written.
   */
  public byte[] toV5Json(boolean withKey) {
    int size = 2; // { }
    if (withKey) {
      size += V5_KEY.length + AsciiJson.stringSize(userUniqueKey) + 1 + AsciiJson.stringSize(organizationUserId) + 2;
    }
    size += V5_ATTRIBUTES.length + 1;
    for (int i = 0; i < attributeCount; i++) {
      size += (i == 0 ? 0 : 1) + AsciiJson.stringSize(attributeNames[i]) + 1 + valueSize(attributeValues[i]);
    }
    size += V5_SUBSCRIPTIONS.length + 1;
    for (int i = 0; i < subscriptionCount; i++) {
      size += (i == 0 ? 0 : 1) + AsciiJson.stringSize(subscriptionNames[i]) + 1 + (subscribed[i] ? 4 : 5);
    }
    byte[] out = new byte[size];
    int at = 0;
    out[at++] = '{';
    if (withKey) {
      at = AsciiJson.writeRaw(out, at, V5_KEY);
      at = AsciiJson.writeString(out, at, userUniqueKey);
      out[at++] = ':';
      at = AsciiJson.writeString(out, at, organizationUserId);
      out[at++] = '}';
      out[at++] = ',';
    }
    at = AsciiJson.writeRaw(out, at, V5_ATTRIBUTES);
    for (int i = 0; i < attributeCount; i++) {
      if (i > 0) {
        out[at++] = ',';
      }
      at = AsciiJson.writeString(out, at, attributeNames[i]);
      out[at++] = ':';
      AttributeValue value = attributeValues[i];
      at = value.kind() == AttributeValue.Kind.STRING
          ? AsciiJson.writeString(out, at, value.text())
          : AsciiJson.writeRaw(out, at, value.text());
    }
    out[at++] = '}';
    at = AsciiJson.writeRaw(out, at, V5_SUBSCRIPTIONS);
    for (int i = 0; i < subscriptionCount; i++) {
      if (i > 0) {
        out[at++] = ',';
      }
      at = AsciiJson.writeString(out, at, subscriptionNames[i]);
      out[at++] = ':';
      at = AsciiJson.writeRaw(out, at, subscribed[i] ? "true" : "false");
    }
    out[at++] = '}';
    out[at++] = '}';
    if (at != size) {
      throw new IllegalStateException("Actito V5 body size miscounted: " + at + " != " + size);
    }
    return out;
  }

  private static final byte[] V5_KEY = AsciiJson.ascii("\"key\":{");
  private static final byte[] V5_ATTRIBUTES = AsciiJson.ascii("\"attributes\":{");
  private static final byte[] V5_SUBSCRIPTIONS = AsciiJson.ascii(",\"subscriptions\":{");

  /** How many fields (attributes and subscriptions, the unique key aside) this update carries. */
  public int fieldCount() {
    return attributeCount + subscriptionCount;
  }

  /**
   * This update restricted to the attributes and subscriptions the predicates keep (the unique key
   * is always kept): a part of the change, sent on its own.
   */
  public ActitoProfileUpdate restrictedTo(Predicate<String> attribute, Predicate<String> subscription) {
    String[] names = new String[attributeCount];
    AttributeValue[] values = new AttributeValue[attributeCount];
    int attributes = 0;
    for (int i = 0; i < attributeCount; i++) {
      if (attribute.test(attributeNames[i])) {
        names[attributes] = attributeNames[i];
        values[attributes++] = attributeValues[i];
      }
    }
    String[] subscriptionNamesKept = new String[subscriptionCount];
    boolean[] subscribedKept = new boolean[subscriptionCount];
    int subscriptions = 0;
    for (int i = 0; i < subscriptionCount; i++) {
      if (subscription.test(subscriptionNames[i])) {
        subscriptionNamesKept[subscriptions] = subscriptionNames[i];
        subscribedKept[subscriptions++] = subscribed[i];
      }
    }
    return new ActitoProfileUpdate(userUniqueKey, organizationUserId, names, values, attributes,
        subscriptionNamesKept, subscribedKept, subscriptions, changeMillis);
  }

  private static final byte[] ATTRIBUTES_START = AsciiJson.ascii("{\"attributes\":[");
  private static final byte[] ATTRIBUTES_END = AsciiJson.ascii("]}");

  /**
   * {@code {"attributes":[{"name":..,"value":..}]}} without the unique key: the body of an
   * attributes-only update ({@code PUT .../profile/{id}}), numbers exactly as Didomi sent them.
   */
  public byte[] attributesJson() {
    int size = ATTRIBUTES_START.length + ATTRIBUTES_END.length;
    for (int i = 0; i < attributeCount; i++) {
      size += (i == 0 ? 0 : 1) + attributeSize(attributeNames[i], valueSize(attributeValues[i]));
    }
    byte[] out = new byte[size];
    int at = AsciiJson.writeRaw(out, 0, ATTRIBUTES_START);
    for (int i = 0; i < attributeCount; i++) {
      if (i > 0) {
        out[at++] = ',';
      }
      at = writeAttribute(out, at, attributeNames[i], attributeValues[i]);
    }
    AsciiJson.writeRaw(out, at, ATTRIBUTES_END);
    return out;
  }

  private static int writeAttribute(byte[] out, int at, String name, AttributeValue value) {
    at = AsciiJson.writeRaw(out, at, NAME);
    at = AsciiJson.writeString(out, at, name);
    at = AsciiJson.writeRaw(out, at, VALUE);
    at = value.kind() == AttributeValue.Kind.STRING
        ? AsciiJson.writeString(out, at, value.text())
        : AsciiJson.writeRaw(out, at, value.text());
    out[at++] = '}';
    return at;
  }

  private static int attributeSize(String name, int valueSize) {
    return NAME.length + AsciiJson.stringSize(name) + VALUE.length + valueSize + 1;
  }

  private static int valueSize(AttributeValue value) {
    // numbers and booleans are ASCII literals, written as they are
    return value.kind() == AttributeValue.Kind.STRING ? AsciiJson.stringSize(value.text()) : value.text().length();
  }

  @Override
  public String toString() {
    // names only: values and the user key are personal data
    return "ActitoProfileUpdate[attributes " + attributes().keySet() + ", subscriptions " + subscriptions() + "]";
  }
}
