package io.consentgateway.webhook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Didomi's flattened webhook format (docs/design.md §2, Didomi webhooks) turned back into the nested one, so that both
 * forms go through the same reader and give the same {@link DidomiChange}. In the flattened form
 * the property paths of an entity are joined with {@code __} ({@code "user__organization_user_id"});
 * arrays come either kept ({@code "consents__purposes": [{...}]}, each element possibly flat
 * itself) or by index ({@code "consents__purposes__0__id"}). Only {@code parameters.entity},
 * {@code new_entity} and {@code old_entity} are unflattened; the rest of the body is copied as it is.
 *
 * <p>Rules where the flat form is ambiguous: an object built from index keys becomes an array only
 * at {@code consents.purposes}, the one array the gateway reads (elsewhere an index is just a key,
 * so a metadata key {@code "0"} stays a key); a path both a value and an object (a {@code "user"}
 * beside {@code "user__id"}) keeps the object; two values of one path: the later wins, as in the
 * nested reader. A metadata key that itself holds {@code __} cannot be told from a path and reads
 * as an object, which is never sent.
 *
 * <p>Rare and off the hot path: it builds a tree of the whole body, then writes the nested body
 * out (numbers keep their exact text, strings are written with ASCII escapes so any string Jackson
 * read, an unpaired surrogate included, reads back the same).
 */
final class FlattenedWebhook {

  private static final String SEPARATOR = "__";

  /** A JSON scalar as it was read: its token and its exact text. */
  private record Scalar(JsonToken token, String text) {}

  private final JsonFactory factory;
  private final int maxDepth;

  FlattenedWebhook(JsonFactory factory, int maxDepth) {
    this.factory = factory;
    this.maxDepth = maxDepth;
  }

  /** Whether {@code fieldName}, read inside an entity, is a flattened path. */
  static boolean isFlattenedPath(String fieldName) {
    return fieldName.contains(SEPARATOR);
  }

  /**
   * {@code body} with its flattened entities nested again.
   *
   * @throws InvalidWebhookException when the nested form would be deeper than the parser allows
   */
  byte[] nested(byte[] body) throws IOException {
    Object root;
    try (JsonParser p = factory.createParser(body)) {
      root = read(p, p.nextToken());
    }
    if (root instanceof Map<?, ?> envelope && envelope.get("parameters") instanceof Map<?, ?> parameters) {
      @SuppressWarnings("unchecked")
      Map<String, Object> writable = (Map<String, Object>) parameters;
      for (String entity : List.of("entity", "new_entity", "old_entity")) {
        if (writable.get(entity) instanceof Map<?, ?> flat) {
          writable.put(entity, nest(cast(flat), 3, "parameters." + entity));
        }
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 64);
    try (JsonGenerator g = factory.createGenerator(out)) {
      g.configure(JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature(), true);
      write(g, root);
    }
    return out.toByteArray();
  }

  private static Object read(JsonParser p, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT -> {
        Map<String, Object> object = new LinkedHashMap<>();
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
          String name = p.currentName();
          object.put(name, read(p, p.nextToken()));
        }
        return object;
      }
      case START_ARRAY -> {
        List<Object> array = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          array.add(read(p, t));
        }
        return array;
      }
      default -> {
        return new Scalar(token, token == JsonToken.VALUE_NULL ? null : p.getText());
      }
    }
  }

  /** {@code flat}, an object at nesting {@code depth} of the document, with every path key expanded. */
  private Map<String, Object> nest(Map<String, Object> flat, int depth, String where) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> field : flat.entrySet()) {
      String[] path = field.getKey().split(SEPARATOR, -1);
      if (depth + path.length - 1 > maxDepth) {
        throw new InvalidWebhookException("'" + where + "' nests deeper than " + maxDepth + " levels once unflattened");
      }
      Object value = nestValue(field.getValue(), depth + path.length, where);
      Map<String, Object> container = out;
      for (int i = 0; i < path.length - 1; i++) {
        Object child = container.get(path[i]);
        if (!(child instanceof Map<?, ?>)) {
          child = child instanceof List<?> list ? indexed(list) : new LinkedHashMap<String, Object>();
          container.put(path[i], child);
        }
        container = cast((Map<?, ?>) child);
      }
      container.merge(path[path.length - 1], value, FlattenedWebhook::merge);
    }
    if (out.get("consents") instanceof Map<?, ?> consents && consents.get("purposes") instanceof Map<?, ?> purposes) {
      List<Object> array = asArray(purposes);
      if (array != null) {
        cast(consents).put("purposes", array);
      }
    }
    return out;
  }

  private Object nestValue(Object value, int depth, String where) {
    if (value instanceof Map<?, ?> object) {
      return nest(cast(object), depth, where);
    }
    if (value instanceof List<?> array) {
      if (depth > maxDepth) {
        throw new InvalidWebhookException("'" + where + "' nests deeper than " + maxDepth + " levels once unflattened");
      }
      List<Object> out = new ArrayList<>(array.size());
      for (Object element : array) {
        out.add(nestValue(element, depth + 1, where));
      }
      return out;
    }
    return value;
  }

  /** Two values for one path: objects merge, an object beats a scalar, else the later wins. */
  private static Object merge(Object earlier, Object later) {
    Object a = earlier instanceof List<?> list ? indexed(list) : earlier;
    Object b = later instanceof List<?> list ? indexed(list) : later;
    if (a instanceof Map<?, ?> first && b instanceof Map<?, ?> second) {
      Map<String, Object> merged = cast(first);
      cast(second).forEach((key, value) -> merged.merge(key, value, FlattenedWebhook::merge));
      return merged;
    }
    if (a instanceof Map<?, ?> && !(b instanceof Map<?, ?>)) {
      return earlier;
    }
    return later;
  }

  private static Map<String, Object> indexed(List<?> list) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < list.size(); i++) {
      out.put(Integer.toString(i), list.get(i));
    }
    return out;
  }

  /** The values of an object whose keys are all array indexes, in index order; null when they are not. */
  private static List<Object> asArray(Map<?, ?> object) {
    TreeMap<Integer, Object> byIndex = new TreeMap<>();
    for (Map.Entry<?, ?> entry : object.entrySet()) {
      String key = (String) entry.getKey();
      if (key.isEmpty() || key.length() > 9 || !key.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      byIndex.put(Integer.parseInt(key), entry.getValue());
    }
    return new ArrayList<>(byIndex.values());
  }

  private static void write(JsonGenerator g, Object value) throws IOException {
    if (value instanceof Map<?, ?> object) {
      g.writeStartObject();
      for (Map.Entry<?, ?> field : object.entrySet()) {
        g.writeFieldName((String) field.getKey());
        write(g, field.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof List<?> array) {
      g.writeStartArray();
      for (Object element : array) {
        write(g, element);
      }
      g.writeEndArray();
    } else {
      Scalar scalar = (Scalar) value;
      switch (scalar.token()) {
        case VALUE_STRING -> g.writeString(scalar.text());
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(scalar.text()); // the exact text: 1.50 stays 1.50
        case VALUE_TRUE -> g.writeBoolean(true);
        case VALUE_FALSE -> g.writeBoolean(false);
        default -> g.writeNull();
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }
}
