package io.consentgateway.mapping;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Actito profile update one user needs: the fields whose desired value differs from what
 * Actito last acknowledged, plus the user unique key attribute, which always carries Didomi's
 * {@code organization_user_id}. {@link #toJson()} is the body of {@code POST .../profile}
 * (DESIGN.md §2.2). Immutable; built by {@link ConsentMapper#updateFor}.
 */
public final class ActitoProfileUpdate {

  public static final String SOURCE = "Didomi";
  public static final String WAY = "consent-gateway";

  private static final JsonFactory JSON = new JsonFactory();

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

  /**
   * {@code {"attributes":[{"name":..,"value":..}],"subscriptions":[{"name":..,"subscribe":..}],
   * "dataCollectionInformation":{"date":..,"source":"Didomi","way":"consent-gateway"}}}; the unique
   * key attribute comes first, numbers are written as Didomi sent them.
   */
  public byte[] toJson() {
    try (ByteArrayBuilder bytes = new ByteArrayBuilder(160 + 40 * (attributeCount + subscriptionCount));
        JsonGenerator g = JSON.createGenerator(bytes)) {
      g.writeStartObject();
      g.writeArrayFieldStart("attributes");
      g.writeStartObject();
      g.writeStringField("name", userUniqueKey);
      g.writeStringField("value", organizationUserId);
      g.writeEndObject();
      for (int i = 0; i < attributeCount; i++) {
        g.writeStartObject();
        g.writeStringField("name", attributeNames[i]);
        g.writeFieldName("value");
        AttributeValue value = attributeValues[i];
        switch (value.kind()) {
          case STRING -> g.writeString(value.text());
          case NUMBER -> g.writeNumber(value.text());
          case BOOLEAN -> g.writeBoolean(value == AttributeValue.TRUE || value.text().equals("true"));
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("subscriptions");
      for (int i = 0; i < subscriptionCount; i++) {
        g.writeStartObject();
        g.writeStringField("name", subscriptionNames[i]);
        g.writeBooleanField("subscribe", subscribed[i]);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeObjectFieldStart("dataCollectionInformation");
      g.writeStringField("date", IsoTimestamps.format(changeMillis));
      g.writeStringField("source", SOURCE);
      g.writeStringField("way", WAY);
      g.writeEndObject();
      g.writeEndObject();
      g.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    // names only: values and the user key are personal data
    return "ActitoProfileUpdate[attributes " + attributes().keySet() + ", subscriptions " + subscriptions() + "]";
  }
}
