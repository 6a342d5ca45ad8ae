package io.consentgateway.actito;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One profile table as Actito's table-structure call describes it: its attributes (with their
 * {@code unique} / {@code mandatory} flags and value type, as returned) and its subscriptions.
 * Read at start-up and refreshed, it tells the dispatcher which Didomi metadata keys the table can
 * take (the others are not sent: guarantee 11), and the {@code check} command what the
 * configuration lacks. Parsed tolerantly: the list of tables under {@code profileTables} or any
 * other array field, attributes and subscriptions as objects with a {@code name} or as bare names.
 */
public record TableStructure(String name, Map<String, JsonObject> attributes, Set<String> subscriptions) {

  public TableStructure {
    attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    subscriptions = Set.copyOf(subscriptions);
  }

  public boolean hasAttribute(String attribute) {
    return attributes.containsKey(attribute);
  }

  /** The table named {@code table} in the answer of the table-structure call, if there is one. */
  public static Optional<TableStructure> find(JsonObject structure, String table) {
    for (Object o : tables(structure)) {
      if (o instanceof JsonObject candidate && table.equals(candidate.getString("name"))) {
        return Optional.of(new TableStructure(table, byName(candidate.getJsonArray("attributes", new JsonArray())),
            byName(candidate.getJsonArray("subscriptions", new JsonArray())).keySet()));
      }
    }
    return Optional.empty();
  }

  /** The names of every table in the answer, for a message saying which one is missing. */
  public static List<String> tableNames(JsonObject structure) {
    var names = new ArrayList<String>();
    for (Object o : tables(structure)) {
      if (o instanceof JsonObject table) {
        names.add(String.valueOf(table.getValue("name")));
      }
    }
    return names;
  }

  private static JsonArray tables(JsonObject structure) {
    // tolerate the list under another key than profileTables
    JsonArray tables = structure.getJsonArray("profileTables");
    if (tables == null) {
      for (String field : structure.fieldNames()) {
        if (structure.getValue(field) instanceof JsonArray array) {
          return array;
        }
      }
    }
    return tables == null ? new JsonArray() : tables;
  }

  private static Map<String, JsonObject> byName(JsonArray items) {
    var out = new LinkedHashMap<String, JsonObject>();
    for (Object o : items) {
      if (o instanceof JsonObject item && item.getString("name") != null) {
        out.put(item.getString("name"), item);
      } else if (o instanceof String name) {
        out.put(name, new JsonObject().put("name", name));
      }
    }
    return out;
  }
}
