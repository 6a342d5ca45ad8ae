package io.consentgateway.actito;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A profile as Actito's lookup returns it: its id, attribute values and subscription flags. Parsed
 * tolerantly: attributes and subscriptions either as {@code [{name, value|subscribe}]} arrays or as
 * plain objects.
 */
public record ActitoProfile(long profileId, Map<String, Object> attributes, Map<String, Boolean> subscriptions) {

  public ActitoProfile {
    attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    subscriptions = Collections.unmodifiableMap(new LinkedHashMap<>(subscriptions));
  }

  public static ActitoProfile fromJson(JsonObject json) {
    Long id = json.getLong("profileId");
    if (id == null) {
      throw new IllegalArgumentException("profile without profileId");
    }
    return new ActitoProfile(id, pairs(json.getValue("attributes"), "value"), flags(json.getValue("subscriptions")));
  }

  private static Map<String, Object> pairs(Object value, String valueField) {
    var out = new LinkedHashMap<String, Object>();
    if (value instanceof JsonArray array) {
      for (Object o : array) {
        if (o instanceof JsonObject item && item.getString("name") != null) {
          out.put(item.getString("name"), item.getValue(valueField));
        }
      }
    } else if (value instanceof JsonObject object) {
      object.forEach(e -> out.put(e.getKey(), e.getValue()));
    }
    return out;
  }

  private static Map<String, Boolean> flags(Object value) {
    var out = new LinkedHashMap<String, Boolean>();
    pairs(value, "subscribe").forEach((name, flag) -> {
      if (flag instanceof Boolean b) {
        out.put(name, b);
      }
    });
    return out;
  }
}
