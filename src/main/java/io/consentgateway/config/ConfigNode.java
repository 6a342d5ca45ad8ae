package io.consentgateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A view of one YAML mapping that knows its own dotted path, so that every validation error names
 * the exact key ({@code integrations[0].actito.entity}).
 */
public final class ConfigNode {

  private final JsonNode node;
  private final String path;
  private final Set<String> unsetVariables;
  private final Map<String, String> fallbacks;

  ConfigNode(JsonNode node, String path, Set<String> unsetVariables, Map<String, String> fallbacks) {
    this.node = node == null ? MissingNode.getInstance() : node;
    this.path = path;
    this.unsetVariables = unsetVariables;
    this.fallbacks = fallbacks;
  }

  public String path() {
    return path;
  }

  public String key(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  public boolean has(String name) {
    JsonNode child = node.get(name);
    return child != null && !child.isNull();
  }

  public JsonNode raw(String name) {
    return node.get(name);
  }

  /** Rejects keys this section does not know, so a typo fails start-up instead of being ignored. */
  public ConfigNode allowOnly(String... names) {
    if (node.isObject()) {
      Set<String> allowed = Set.of(names);
      node.fieldNames().forEachRemaining(name -> {
        if (!allowed.contains(name)) {
          throw new ConfigException(key(name), "unknown key (expected one of " + String.join(", ", names) + ")");
        }
      });
    } else if (!node.isMissingNode() && !node.isNull()) {
      throw new ConfigException(path, "must be a mapping");
    }
    return this;
  }

  public ConfigNode section(String name) {
    JsonNode child = node.get(name);
    if (child != null && !child.isNull() && !child.isObject()) {
      throw new ConfigException(key(name), "must be a mapping");
    }
    return new ConfigNode(child, key(name), unsetVariables, fallbacks);
  }

  public String string(String name, String defaultValue) {
    JsonNode child = node.get(name);
    if (child == null || child.isNull()) {
      return defaultValue;
    }
    if (!child.isValueNode()) {
      throw new ConfigException(key(name), "must be a scalar value");
    }
    String text = child.asText();
    return text.isEmpty() && defaultValue != null ? defaultValue : text;
  }

  public String requiredString(String name) {
    String value = string(name, null);
    if (value == null || value.isBlank()) {
      throw new ConfigException(key(name), missingReason(name));
    }
    return value;
  }

  public Secret secret(String name) {
    return Secret.of(string(name, ""));
  }

  public Secret requiredSecret(String name) {
    Secret secret = secret(name);
    if (secret.isEmpty()) {
      throw new ConfigException(key(name), missingReason(name));
    }
    return secret;
  }

  /** {@code value}, read from {@code name}, with where it came from, for {@link OffLoopbackRule}. */
  OffLoopbackRule.SecretInUse secretInUse(String name, Secret value, boolean checkedAgainstCallers) {
    return new OffLoopbackRule.SecretInUse(key(name), value, fallbacks.get(key(name)), checkedAgainstCallers);
  }

  private String missingReason(String name) {
    return unsetVariables.contains(key(name))
        ? "required, but the environment variable it names is not set"
        : "required";
  }

  public int integer(String name, int defaultValue, int min, int max) {
    long value = longValue(name, defaultValue, min, max);
    return (int) value;
  }

  public long longValue(String name, long defaultValue, long min, long max) {
    JsonNode child = node.get(name);
    if (child == null || child.isNull() || (child.isTextual() && child.asText().isEmpty())) {
      return defaultValue;
    }
    long value;
    if (child.isIntegralNumber()) {
      value = child.asLong();
    } else if (child.isTextual()) {
      try {
        value = Long.parseLong(child.asText().trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(key(name), "must be an integer, got '" + child.asText() + "'");
      }
    } else {
      throw new ConfigException(key(name), "must be an integer");
    }
    if (value < min || value > max) {
      throw new ConfigException(key(name), "must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  public boolean bool(String name, boolean defaultValue) {
    JsonNode child = node.get(name);
    if (child == null || child.isNull() || (child.isTextual() && child.asText().isEmpty())) {
      return defaultValue;
    }
    if (child.isBoolean()) {
      return child.asBoolean();
    }
    if (child.isTextual()) {
      String text = child.asText().trim().toLowerCase();
      if (text.equals("true") || text.equals("false")) {
        return Boolean.parseBoolean(text);
      }
    }
    throw new ConfigException(key(name), "must be true or false");
  }

  public <E extends Enum<E>> E enumValue(String name, Class<E> type, E defaultValue) {
    String text = string(name, null);
    if (text == null || text.isBlank()) {
      return defaultValue;
    }
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(text.trim())) {
        return constant;
      }
    }
    List<String> names = new ArrayList<>();
    for (E constant : type.getEnumConstants()) {
      names.add(constant.name().toLowerCase());
    }
    throw new ConfigException(key(name), "must be one of " + names + ", got '" + text + "'");
  }

  /** Each element of a list of mappings, read by {@code reader}; an absent list is empty. */
  public <T> List<T> list(String name, Function<ConfigNode, T> reader) {
    JsonNode child = node.get(name);
    List<T> out = new ArrayList<>();
    if (child == null || child.isNull()) {
      return out;
    }
    if (!child.isArray()) {
      throw new ConfigException(key(name), "must be a list");
    }
    for (int i = 0; i < child.size(); i++) {
      out.add(reader.apply(new ConfigNode(child.get(i), key(name) + "[" + i + "]", unsetVariables, fallbacks)));
    }
    return out;
  }

  /** A list of scalars, each as text. */
  public List<String> strings(String name) {
    JsonNode child = node.get(name);
    List<String> out = new ArrayList<>();
    if (child == null || child.isNull()) {
      return out;
    }
    if (!child.isArray()) {
      throw new ConfigException(key(name), "must be a list");
    }
    for (int i = 0; i < child.size(); i++) {
      JsonNode item = child.get(i);
      if (!item.isValueNode() || item.asText().isBlank()) {
        throw new ConfigException(key(name) + "[" + i + "]", "must be a non-empty scalar");
      }
      out.add(item.asText().trim());
    }
    return out;
  }
}
