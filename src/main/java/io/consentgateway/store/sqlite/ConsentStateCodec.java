package io.consentgateway.store.sqlite;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.consentgateway.mapping.ConsentState;
import io.consentgateway.mapping.ConsentState.Attribute;
import io.consentgateway.mapping.ConsentState.Gated;
import io.consentgateway.mapping.ConsentState.Subscription;
import io.consentgateway.webhook.AttributeValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How the SQLite store keeps a {@link ConsentState} in a column: compact JSON, {@code
 * {"v":2,"user":..,"newest":..,"subscriptions":{name:[on, millis, version(, 1 when observed)]},
 * "attributes":{name:[kind, text, millis, version(, 1)]}, "gated":{name:[gate, value]}}}, fields
 * sorted by name so that equal states encode to equal bytes. {@code gated} (format 3, only when a
 * state has one) holds the two facts of each preference-level subscription, each a subscription
 * array or null; its {@code subscriptions} entry is derived from them again on decoding. Formats 1
 * (no observed flag) and 2 (no gated facts) still decode.
 */
public final class ConsentStateCodec {

  private static final JsonFactory JSON = new JsonFactory();
  private static final int FORMAT = 3;

  private ConsentStateCodec() {}

  public static byte[] encode(ConsentState state) {
    Map<String, Subscription> subscriptions = state.subscriptionFields();
    Map<String, Attribute> attributes = state.attributeFields();
    try (ByteArrayBuilder bytes = new ByteArrayBuilder(128 + 48 * (subscriptions.size() + attributes.size()));
        JsonGenerator g = JSON.createGenerator(bytes)) {
      g.writeStartObject();
      g.writeNumberField("v", FORMAT);
      if (!state.isEmpty()) {
        g.writeStringField("user", state.organizationUserId());
        g.writeNumberField("newest", state.newestChangeMillis());
      }
      g.writeObjectFieldStart("subscriptions");
      for (Map.Entry<String, Subscription> e : new TreeMap<>(subscriptions).entrySet()) {
        g.writeFieldName(e.getKey());
        writeSubscription(g, e.getValue());
      }
      g.writeEndObject();
      Map<String, Gated> gated = state.gatedFields();
      if (!gated.isEmpty()) {
        g.writeObjectFieldStart("gated");
        for (Map.Entry<String, Gated> e : new TreeMap<>(gated).entrySet()) {
          g.writeArrayFieldStart(e.getKey());
          writeSubscription(g, e.getValue().gate());
          writeSubscription(g, e.getValue().value());
          g.writeEndArray();
        }
        g.writeEndObject();
      }
      if (!state.legacyValues().isEmpty()) {
        g.writeArrayFieldStart("legacy");
        for (String name : state.legacyValues()) {
          g.writeString(name);
        }
        g.writeEndArray();
      }
      g.writeObjectFieldStart("attributes");
      for (Map.Entry<String, Attribute> e : new TreeMap<>(attributes).entrySet()) {
        Attribute field = e.getValue();
        g.writeArrayFieldStart(e.getKey());
        g.writeString(kindCode(field.value().kind()));
        g.writeString(field.value().text());
        g.writeNumber(field.millis());
        g.writeNumber(field.version());
        if (field.observed()) {
          g.writeNumber(1);
        }
        g.writeEndArray();
      }
      g.writeEndObject();
      g.writeEndObject();
      g.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeSubscription(JsonGenerator g, Subscription field) throws IOException {
    if (field == null) {
      g.writeNull();
      return;
    }
    g.writeStartArray();
    g.writeBoolean(field.subscribed());
    g.writeNumber(field.millis());
    g.writeNumber(field.version());
    if (field.observed()) {
      g.writeNumber(1);
    }
    g.writeEndArray();
  }

  // the array of one subscription field, its START_ARRAY already read
  private static Subscription readSubscription(JsonParser p) throws IOException {
    JsonToken on = p.nextToken();
    if (on != JsonToken.VALUE_TRUE && on != JsonToken.VALUE_FALSE) {
      throw malformed("subscription value must be a boolean");
    }
    long millis = nextLong(p);
    long version = nextLong(p);
    boolean observed = observedFlag(p);
    return new Subscription(on == JsonToken.VALUE_TRUE, millis, version, observed);
  }

  private static Subscription readNullableSubscription(JsonParser p) throws IOException {
    JsonToken t = p.nextToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    expect(t, JsonToken.START_ARRAY);
    return readSubscription(p);
  }

  /**
   * Reads what {@link #encode} wrote.
   *
   * @throws IllegalArgumentException if the bytes are not an encoded consent state
   */
  public static ConsentState decode(byte[] encoded) {
    Objects.requireNonNull(encoded, "encoded");
    String user = null;
    long newest = ConsentState.NO_CHANGE;
    Map<String, Subscription> subscriptions = new LinkedHashMap<>();
    Map<String, Attribute> attributes = new LinkedHashMap<>();
    Map<String, Gated> gated = new LinkedHashMap<>();
    java.util.List<String> legacy = new java.util.ArrayList<>();
    int format = FORMAT;
    try (JsonParser p = JSON.createParser(encoded)) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "v" -> {
            if (value != JsonToken.VALUE_NUMBER_INT || p.getIntValue() < 1 || p.getIntValue() > FORMAT) {
              throw malformed("unknown format version");
            }
            format = p.getIntValue();
          }
          case "user" -> {
            expect(value, JsonToken.VALUE_STRING);
            user = p.getText();
          }
          case "newest" -> {
            expect(value, JsonToken.VALUE_NUMBER_INT);
            newest = p.getLongValue();
          }
          case "subscriptions" -> {
            expect(value, JsonToken.START_OBJECT);
            for (JsonToken s = p.nextToken(); s == JsonToken.FIELD_NAME; s = p.nextToken()) {
              String name = p.currentName();
              expect(p.nextToken(), JsonToken.START_ARRAY);
              subscriptions.put(name, readSubscription(p));
            }
          }
          case "legacy" -> {
            expect(value, JsonToken.START_ARRAY);
            for (JsonToken t2 = p.nextToken(); t2 != JsonToken.END_ARRAY; t2 = p.nextToken()) {
              expect(t2, JsonToken.VALUE_STRING);
              legacy.add(p.getText());
            }
          }
          case "gated" -> {
            expect(value, JsonToken.START_OBJECT);
            for (JsonToken s = p.nextToken(); s == JsonToken.FIELD_NAME; s = p.nextToken()) {
              String name = p.currentName();
              expect(p.nextToken(), JsonToken.START_ARRAY);
              Subscription gate = readNullableSubscription(p);
              Subscription selection = readNullableSubscription(p);
              expect(p.nextToken(), JsonToken.END_ARRAY);
              gated.put(name, new Gated(gate, selection));
            }
          }
          case "attributes" -> {
            expect(value, JsonToken.START_OBJECT);
            for (JsonToken a = p.nextToken(); a == JsonToken.FIELD_NAME; a = p.nextToken()) {
              String name = p.currentName();
              expect(p.nextToken(), JsonToken.START_ARRAY);
              expect(p.nextToken(), JsonToken.VALUE_STRING);
              AttributeValue.Kind kind = kindOf(p.getText());
              expect(p.nextToken(), JsonToken.VALUE_STRING);
              String text = p.getText();
              long millis = nextLong(p);
              long version = nextLong(p);
              boolean observed = observedFlag(p);
              if (kind == AttributeValue.Kind.NUMBER && !AttributeValue.isJsonNumber(text)) {
                // it is written to Actito raw: never let a damaged row inject JSON
                throw malformed("attribute number is not a JSON number");
              }
              AttributeValue attributeValue = kind == AttributeValue.Kind.BOOLEAN
                  ? AttributeValue.ofBoolean(Boolean.parseBoolean(text))
                  : new AttributeValue(kind, text);
              attributes.put(name, new Attribute(attributeValue, millis, version, observed));
            }
          }
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw malformed("not JSON");
    }
    try {
      // before format 3 a subscription held one value, derived from facts no longer known
      return ConsentState.restore(user, newest, subscriptions, attributes, gated)
          .withLegacyValues(format < 3 ? subscriptions.keySet() : legacy);
    } catch (IllegalArgumentException e) {
      throw malformed(e.getMessage());
    }
  }

  // format 1 had no flag; format 2 appends 1 to an observed field's array
  private static boolean observedFlag(JsonParser p) throws IOException {
    JsonToken next = p.nextToken();
    if (next == JsonToken.END_ARRAY) {
      return false;
    }
    expect(next, JsonToken.VALUE_NUMBER_INT);
    boolean observed = p.getIntValue() == 1;
    expect(p.nextToken(), JsonToken.END_ARRAY);
    return observed;
  }

  private static long nextLong(JsonParser p) throws IOException {
    expect(p.nextToken(), JsonToken.VALUE_NUMBER_INT);
    return p.getLongValue();
  }

  private static void expect(JsonToken actual, JsonToken expected) {
    if (actual != expected) {
      throw malformed("expected " + expected + ", found " + actual);
    }
  }

  private static IllegalArgumentException malformed(String why) {
    return new IllegalArgumentException("not an encoded consent state: " + why);
  }

  private static String kindCode(AttributeValue.Kind kind) {
    return switch (kind) {
      case STRING -> "s";
      case NUMBER -> "n";
      case BOOLEAN -> "b";
    };
  }

  private static AttributeValue.Kind kindOf(String code) {
    return switch (code) {
      case "s" -> AttributeValue.Kind.STRING;
      case "n" -> AttributeValue.Kind.NUMBER;
      case "b" -> AttributeValue.Kind.BOOLEAN;
      default -> throw malformed("unknown attribute kind");
    };
  }
}
