package io.consentgateway.support;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * Turns a nested Didomi webhook into Didomi's flattened format (docs/design.md §2, Didomi webhooks): property paths
 * joined with {@code __}, {@code entity} / {@code new_entity} merged into one flat {@code
 * parameters.entity}. Didomi does not document how arrays come out, so both readings are offered:
 * {@link Arrays#KEPT} ({@code "consents__purposes": [{...}]}, each element itself flattened) and
 * {@link Arrays#BY_INDEX} ({@code "consents__purposes__0__id"}). Empty objects and arrays stay as
 * values, having no leaves to flatten into.
 */
public final class FlattenedDidomi {

  /** How arrays of the entity are written. */
  public enum Arrays { KEPT, BY_INDEX }

  // exact decimals: a flattened 1.50 stays 1.50, as Didomi would send it
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
      .build();

  private FlattenedDidomi() {}

  /**
   * {@code nested} flattened: its entity (or new entity) as a flat {@code parameters.entity}, and
   * its {@code old_entity} too when {@code flattenOldEntity}.
   */
  public static byte[] flatten(byte[] nested, Arrays arrays, boolean flattenOldEntity) {
    try {
      ObjectNode root = (ObjectNode) JSON.readTree(nested);
      ObjectNode parameters = (ObjectNode) root.get("parameters");
      ObjectNode out = JSON.createObjectNode();
      for (Iterator<Map.Entry<String, JsonNode>> fields = parameters.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        switch (field.getKey()) {
          case "entity", "new_entity" -> out.set("entity", flatObject(field.getValue(), arrays));
          case "old_entity" -> out.set("old_entity", flattenOldEntity ? flatObject(field.getValue(), arrays) : field.getValue());
          default -> out.set(field.getKey(), field.getValue());
        }
      }
      root.set("parameters", out);
      return JSON.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode flatObject(JsonNode node, Arrays arrays) {
    ObjectNode out = JSON.createObjectNode();
    walk("", node, out, arrays);
    return out;
  }

  private static void walk(String path, JsonNode node, ObjectNode out, Arrays arrays) {
    if (node.isObject() && !node.isEmpty()) {
      node.fields().forEachRemaining(f -> walk(join(path, f.getKey()), f.getValue(), out, arrays));
    } else if (node.isArray() && !node.isEmpty() && arrays == Arrays.BY_INDEX) {
      for (int i = 0; i < node.size(); i++) {
        walk(join(path, Integer.toString(i)), node.get(i), out, arrays);
      }
    } else if (node.isArray()) {
      ArrayNode kept = out.putArray(path);
      node.forEach(element -> kept.add(element.isObject() ? flatObject(element, arrays) : element));
    } else {
      out.set(path, node);
    }
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "__" + name;
  }
}
