package io.consentgateway.webhook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads an Actito webhook body (docs/design.md §2, Actito webhooks) for an integration whose user unique key is {@code
 * userUniqueKey}. Actito publishes no exact sample, so the parser is tolerant where the shape may
 * vary and strict where it cannot guess. Thread-safe; build one per integration.
 *
 * <p>Accepted: the envelope {@code {"id": "<uuid>", "data": {...} | [...], "_links": ...}} — a
 * single push ({@code data} an object) or a bulk push ({@code data} an array of objects), with or
 * without {@code id} (see {@link ActitoProfileChange#deliveryKey}); unknown fields anywhere are
 * ignored. In each profile: {@code profileId} as a number or a numeric string;
 * the unique key either as a plain field ({@code "customerId": "ann@example.com"}, which wins) or in
 * {@code "attributes"} as {@code [{"name", "value"}]} or as an object of name → value; a number or
 * boolean key value is taken as its text; {@code "subscriptions": [{"name", "subscribe"}]}, absent
 * meaning none.
 *
 * <p>Rejected with {@link InvalidWebhookException} (a 4xx; the message names the field and
 * position, never a value, so it is safe to log and return): an empty body, a body that is not
 * strict UTF-8 ({@link StrictUtf8}), not JSON, not an object, a unique key value that cannot be a
 * user key ({@link UserKeys}), an {@code id} that is not a non-blank string, {@code data} missing
 * or neither object nor array, a bulk entry that is not an object, a profile that is an empty
 * object, {@code attributes} neither array nor object or an
 * attribute entry without a string {@code name}, {@code subscriptions} not an array of {@code
 * {"name": non-blank string, "subscribe": boolean}}.
 *
 * <p>Not errors, reported for the caller to skip and count: a profile without the unique key
 * ({@link ActitoProfileChange#organizationUserId()} null), subscriptions no mapping names (the
 * reverse mapper reports them).
 */
public final class ActitoWebhookParser {

  // webhook bodies are small and flat: a deep nesting bomb is refused before it costs anything
  private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
          .build())
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private final String userUniqueKey;

  public ActitoWebhookParser(String userUniqueKey) {
    this.userUniqueKey = Objects.requireNonNull(userUniqueKey, "userUniqueKey");
    if (userUniqueKey.isBlank()) {
      throw new IllegalArgumentException("userUniqueKey must not be blank");
    }
  }

  public String userUniqueKey() {
    return userUniqueKey;
  }

  /**
   * @throws InvalidWebhookException when the body cannot be understood (see the class comment)
   */
  public ActitoWebhook parse(byte[] body) {
    Envelope envelope = envelope(body);
    List<ActitoProfileChange> changes = new ArrayList<>(envelope.profiles().size());
    List<byte[]> payloads = new ArrayList<>(envelope.profiles().size());
    for (int i = 0; i < envelope.profiles().size(); i++) {
      changes.add(profile(envelope, i, body));
      payloads.add(payload(envelope, i));
    }
    return new ActitoWebhook(envelope.id(), changes, payloads);
  }

  /**
   * The delivery key {@link #parse} gives profile {@code index} of {@code body} when that profile's
   * unique key value is {@code userKey}: for re-keying webhooks stored under an older key scheme,
   * whose key value is known but not the integration's key attribute.
   *
   * @throws InvalidWebhookException when the body no longer parses, has no profile {@code index},
   *     or {@code userKey} could not be a user key today
   */
  public static String deliveryKeyOf(byte[] body, int index, String userKey) {
    Envelope envelope = envelope(body);
    if (index < 0 || index >= envelope.profiles().size()) {
      throw new InvalidWebhookException("no profile " + index + " in 'data'");
    }
    String problem = userKey == null ? null : UserKeys.problem(userKey);
    if (problem != null) {
      throw new InvalidWebhookException("the user key is not usable: " + problem);
    }
    return ActitoProfileChange.deliveryKey(envelope.id(), index, userKey, body);
  }

  /** A body's {@code id} (null when absent) and its profiles; {@code bulk} when {@code data} is an array. */
  private record Envelope(String id, List<JsonNode> profiles, boolean bulk) {
    String where(int index) {
      return bulk ? "data[" + index + "]" : "data";
    }
  }

  private static Envelope envelope(byte[] body) {
    Objects.requireNonNull(body, "body");
    if (body.length == 0) {
      throw new InvalidWebhookException("empty body, expected a JSON object");
    }
    StrictUtf8.requireJsonText(body);
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      // the location only: Jackson's own message may quote the payload
      var at = e.getLocation();
      throw new InvalidWebhookException("not valid JSON"
          + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    } catch (IOException e) {
      throw new InvalidWebhookException("unreadable body");
    }
    if (root == null || !root.isObject()) {
      throw new InvalidWebhookException("not a JSON object");
    }
    // an id-less webhook is accepted: its delivery keys then rest on the body's digest
    JsonNode id = root.get("id");
    String webhookId = null;
    if (id != null && !id.isNull()) {
      if (!id.isTextual() || id.textValue().isBlank()) {
        throw new InvalidWebhookException("'id' must be a non-blank string");
      }
      webhookId = id.textValue().trim();
    }
    JsonNode data = root.get("data");
    if (data == null || data.isNull()) {
      throw new InvalidWebhookException("'data' is missing");
    }
    List<JsonNode> profiles = new ArrayList<>();
    if (data.isObject()) {
      profiles.add(data);
    } else if (data.isArray()) {
      for (int i = 0; i < data.size(); i++) {
        if (!data.get(i).isObject()) {
          throw new InvalidWebhookException("data[" + i + "] must be an object");
        }
        profiles.add(data.get(i));
      }
    } else {
      throw new InvalidWebhookException("'data' must be an object or an array");
    }
    return new Envelope(webhookId, profiles, data.isArray());
  }

  private ActitoProfileChange profile(Envelope envelope, int index, byte[] body) {
    JsonNode data = envelope.profiles().get(index);
    String where = envelope.where(index);
    if (data.isEmpty()) {
      // not even a profileId, which Actito always sends: nothing here to understand
      throw new InvalidWebhookException(where + " is an empty object, not a profile");
    }
    String userKey = userKey(data, where);
    return new ActitoProfileChange(
        index,
        profileId(data.get("profileId")),
        userKey,
        subscriptions(data.get("subscriptions"), where),
        ActitoProfileChange.deliveryKey(envelope.id(), index, userKey, body));
  }

  private static byte[] payload(Envelope envelope, int index) {
    var node = JSON.createObjectNode();
    if (envelope.id() != null) {
      node.put("id", envelope.id());
    }
    node.set("data", envelope.profiles().get(index));
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  // the id only helps logs and the caller's cache: an unreadable one is treated as absent
  private static Long profileId(JsonNode node) {
    if (node == null) {
      return null;
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    if (node.isTextual()) {
      try {
        return Long.parseLong(node.textValue().trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  private String userKey(JsonNode data, String where) {
    String plain = scalar(data.get(userUniqueKey));
    JsonNode attributes = data.get("attributes");
    String fromAttributes = null;
    String fromAttributesPath = null;
    if (attributes != null && !attributes.isNull()) {
      if (attributes.isArray()) {
        for (int i = 0; i < attributes.size(); i++) {
          JsonNode attribute = attributes.get(i);
          JsonNode name = attribute.get("name");
          if (!attribute.isObject() || name == null || !name.isTextual()) {
            throw new InvalidWebhookException(where + ".attributes[" + i + "] must be an object with a string 'name'");
          }
          if (userUniqueKey.equals(name.textValue()) && fromAttributes == null) {
            fromAttributes = scalar(attribute.get("value"));
            fromAttributesPath = where + ".attributes[" + i + "].value";
          }
        }
      } else if (attributes.isObject()) {
        fromAttributes = scalar(attributes.get(userUniqueKey));
        fromAttributesPath = where + ".attributes." + userUniqueKey;
      } else {
        throw new InvalidWebhookException(where + ".attributes must be an array of {name, value} or an object");
      }
    }
    String key = plain != null ? plain : fromAttributes;
    String problem = key == null ? null : UserKeys.problem(key);
    if (problem != null) {
      throw new InvalidWebhookException(
          (plain != null ? where + "." + userUniqueKey : fromAttributesPath) + " is not a usable user key: " + problem);
    }
    return key;
  }

  // a key value is text; numbers and booleans are accepted as their text, anything else is absent
  private static String scalar(JsonNode node) {
    if (node == null || !node.isValueNode() || node.isNull()) {
      return null;
    }
    String text = node.isTextual() ? node.textValue() : node.asText();
    return text.isBlank() ? null : text;
  }

  private static Map<String, Boolean> subscriptions(JsonNode node, String where) {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isArray()) {
      throw new InvalidWebhookException(where + ".subscriptions must be an array of {name, subscribe}");
    }
    Map<String, Boolean> out = new LinkedHashMap<>();
    Iterator<JsonNode> entries = node.elements();
    for (int i = 0; entries.hasNext(); i++) {
      JsonNode entry = entries.next();
      String at = where + ".subscriptions[" + i + "]";
      if (!entry.isObject()) {
        throw new InvalidWebhookException(at + " must be an object {name, subscribe}");
      }
      JsonNode name = entry.get("name");
      if (name == null || !name.isTextual() || name.textValue().isBlank()) {
        throw new InvalidWebhookException(at + ".name must be a non-blank string");
      }
      JsonNode subscribe = entry.get("subscribe");
      if (subscribe == null || !subscribe.isBoolean()) {
        throw new InvalidWebhookException(at + ".subscribe must be a boolean");
      }
      out.remove(name.textValue()); // a repeated name: the last one wins, at its own position
      out.put(name.textValue(), subscribe.booleanValue());
    }
    return out;
  }
}
