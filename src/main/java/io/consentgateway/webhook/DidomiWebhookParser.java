package io.consentgateway.webhook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.consentgateway.webhook.DidomiChange.Purpose;
import io.consentgateway.webhook.DidomiChange.Type;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Reads a Didomi webhook body (docs/design.md §2, Didomi webhooks) into a {@link DidomiChange} in one streaming pass,
 * without building a tree: fields may come in any order, unknown fields are skipped, vendors are
 * never materialised. Thread-safe; share one instance.
 *
 * <p>Didomi's flattened format (paths joined with {@code __}, docs/design.md §2, Didomi webhooks) gives the same change
 * as the nested one: an entity with such a field name is read again, nested again by {@code
 * FlattenedWebhook}, and for {@code *.updated} a flat {@code parameters.entity} is the new entity.
 *
 * <p>The change's regulation is the envelope's {@code regulation} when it has one, which wins over
 * the entity's (Didomi names there the regulation the event belongs to), else the entity's, else
 * {@value DidomiChange#DEFAULT_REGULATION}.
 *
 * <p>Rejected with {@link InvalidWebhookException}: not JSON, not an object, a missing or unknown
 * {@code type}, missing {@code parameters}, a missing entity ({@code entity}, or {@code new_entity}
 * for {@code *.updated}), an entity with none of the fields of a Didomi entity, an {@code
 * organization_user_id} under a name the gateway does not read ({@code "user.organization_user_id"}),
 * a missing or unparseable timestamp the change needs, a non-integer user
 * {@code version}, a body that is not strict UTF-8 ({@link StrictUtf8}), an {@code
 * organization_user_id} that cannot be a user key ({@link UserKeys}). A change without {@code
 * organization_user_id}, or with a blank one, is not an error: it parses with a null {@link
 * DidomiChange#organizationUserId()}.
 */
public final class DidomiWebhookParser {

  private static final long ABSENT = Long.MIN_VALUE;
  private static final int MAX_QUOTED = 64;
  private static final int MAX_DEPTH = 64;

  private final JsonFactory factory;
  private final FlattenedWebhook flattened;

  public DidomiWebhookParser() {
    // Didomi bodies are small; a deep nesting bomb is rejected long before it costs anything
    this.factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
        .build();
    this.flattened = new FlattenedWebhook(factory, MAX_DEPTH);
  }

  public DidomiChange parse(byte[] body) {
    Objects.requireNonNull(body, "body");
    if (body.length == 0) {
      throw new InvalidWebhookException("empty body, expected a JSON object");
    }
    StrictUtf8.requireJsonText(body);
    try {
      Envelope envelope = read(body);
      if (envelope.parameters != null && envelope.parameters.flattened()) {
        // Didomi's flattened format: read again, nested; the nested path never pays for this
        envelope = read(flattened.nested(body));
      }
      return build(envelope, body);
    } catch (JsonProcessingException e) {
      // the location only: Jackson's own message may quote the payload
      throw new InvalidWebhookException("not valid JSON" + where(e.getLocation()));
    } catch (IOException e) {
      throw new InvalidWebhookException("unreadable body (" + e.getClass().getSimpleName() + ")");
    }
  }

  private Envelope read(byte[] body) throws IOException {
    try (JsonParser p = factory.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new InvalidWebhookException("not a JSON object");
      }
      Envelope envelope = new Envelope();
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("type")) {
          if (value != JsonToken.VALUE_STRING) {
            throw new InvalidWebhookException("'type' must be a string");
          }
          envelope.typeName = p.getText();
        } else if (field.equals("parameters")) {
          if (value != JsonToken.START_OBJECT) {
            throw new InvalidWebhookException("'parameters' must be an object");
          }
          envelope.parameters = readParameters(p);
        } else if (field.equals("regulation")) {
          envelope.regulation = knownText(p, value, DidomiChange.DEFAULT_REGULATION, null);
        } else {
          p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw new InvalidWebhookException("trailing content after the JSON object");
      }
      return envelope;
    }
  }

  private static DidomiChange build(Envelope envelope, byte[] body) {
    String typeName = envelope.typeName;
    Parameters parameters = envelope.parameters;
    if (typeName == null) {
      throw new InvalidWebhookException("missing 'type'");
    }
    Type type = Type.fromWireName(typeName);
    if (type == null) {
      throw new InvalidWebhookException("unknown type " + quote(typeName));
    }
    if (parameters == null) {
      throw new InvalidWebhookException("missing 'parameters'");
    }
    boolean isUpdate = type == Type.EVENT_UPDATED || type == Type.USER_UPDATED;
    // the flattened format merges an update's new_entity into entity
    boolean newEntity = isUpdate && (parameters.newEntity != null || parameters.entity == null);
    Entity entity = newEntity ? parameters.newEntity : parameters.entity;
    String entityPath = newEntity ? "parameters.new_entity" : "parameters.entity";
    if (entity == null) {
      throw new InvalidWebhookException("missing '" + entityPath + "'");
    }
    if (!entity.known) {
      // never acknowledge what could not be read as a change
      throw new InvalidWebhookException("'" + entityPath + "' has none of the fields of a Didomi entity"
          + " (id, organization_user_id, user, consents, created_at, updated_at, ...)");
    }

    boolean confirmsPending = false;
    long timestamp;
    long version = 0;
    switch (type) {
      case EVENT_CREATED -> timestamp = required(entity.createdAt, entityPath + ".created_at");
      case EVENT_UPDATED -> {
        String oldStatus = parameters.oldEntity == null ? null : parameters.oldEntity.status;
        confirmsPending = oldStatus != null
            && oldStatus.equals(DidomiChange.STATUS_PENDING_APPROVAL)
            && DidomiChange.STATUS_CONFIRMED.equals(entity.status);
        timestamp = confirmsPending
            ? required(entity.updatedAt, entityPath + ".updated_at")
            : required(entity.createdAt, entityPath + ".created_at");
      }
      case EVENT_DELETED -> timestamp = entity.createdAt != ABSENT ? entity.createdAt : Math.max(entity.updatedAt, 0);
      default -> {
        timestamp = entity.updatedAt != ABSENT
            ? entity.updatedAt
            : required(entity.createdAt, entityPath + ".updated_at");
        version = entity.version;
      }
    }

    DidomiChange.DedupParts dedup = new DidomiChange.DedupParts(
        isUpdate && parameters.sourceId != null ? parameters.sourceId : entity.id, DeliveryDigest.of(body));

    String userId = entity.organizationUserId != null ? entity.organizationUserId : entity.nestedOrganizationUserId;
    if (userId != null && userId.isBlank()) {
      userId = null;
    }
    if (userId == null && entity.unreadUserIdField != null) {
      throw new InvalidWebhookException("'" + entityPath + "' carries " + quote(entity.unreadUserIdField)
          + ", an organization_user_id in a form the gateway does not read");
    }
    if (userId != null) {
      String problem = UserKeys.problem(userId);
      if (problem != null) {
        String field = entity.organizationUserId != null ? ".organization_user_id" : ".user.organization_user_id";
        throw new InvalidWebhookException("'" + entityPath + field + "' is not a usable user key: " + problem);
      }
    }
    Entity.Metadata metadata = entity.effectiveMetadata();
    // the envelope names the regulation the event belongs to (docs/design.md §2, Didomi webhooks): it wins over the entity's
    String regulation = envelope.regulation != null ? envelope.regulation : entity.regulation;
    return new DidomiChange(
        type,
        dedup,
        entity.id,
        entity.organizationId,
        userId,
        regulation == null || regulation == DidomiChange.DEFAULT_REGULATION ? regulation : regulation.toLowerCase(Locale.ROOT),
        entity.status,
        timestamp,
        version,
        confirmsPending,
        entity.purposes,
        metadata == null ? Map.of() : metadata.values(),
        metadata == null ? List.of() : metadata.dropped(),
        type == Type.USER_UPDATED ? previous(parameters.oldEntity) : null);
  }

  /** The user before a {@code user.updated}; null when its old entity is absent or unusable. */
  private static DidomiChange.Previous previous(Entity old) {
    if (old == null || old.unusable) {
      return null;
    }
    long timestamp = old.updatedAt != ABSENT ? old.updatedAt : old.createdAt;
    if (timestamp == ABSENT) {
      return null;
    }
    Entity.Metadata metadata = old.effectiveMetadata();
    return new DidomiChange.Previous(timestamp, old.version, old.purposes, metadata == null ? Map.of() : metadata.values());
  }

  private static long required(long millis, String path) {
    if (millis == ABSENT) {
      throw new InvalidWebhookException("missing '" + path + "'");
    }
    return millis;
  }

  private static Parameters readParameters(JsonParser p) throws IOException {
    Parameters parameters = new Parameters();
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "entity" -> parameters.entity = readEntity(p, value, "parameters.entity", false);
        case "new_entity" -> parameters.newEntity = readEntity(p, value, "parameters.new_entity", false);
        // read whole (a user's previous state) but never an error: at worst there is no previous state
        case "old_entity" -> parameters.oldEntity = readEntity(p, value, "parameters.old_entity", true);
        case "source" -> parameters.sourceId = readSourceId(p, value);
        default -> p.skipChildren();
      }
    }
    return parameters;
  }

  /** {@code lenient}: a field that cannot be read marks the entity unusable instead of failing the webhook. */
  private static Entity readEntity(JsonParser p, JsonToken start, String path, boolean lenient) throws IOException {
    if (start != JsonToken.START_OBJECT) {
      p.skipChildren();
      return null;
    }
    Entity e = new Entity(lenient);
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "id" -> e.id = scalarText(p, value);
        // a string or nothing: null, [], {} or 42 must not pass the organisation check as "absent" or as text
        case "organization_id" -> e.organizationId = stringOnly(p, value);
        case "organization_user_id" -> e.organizationUserId = scalarText(p, value);
        case "created_at" -> e.createdAt = timestamp(p, value, path + ".created_at", e);
        case "updated_at" -> e.updatedAt = timestamp(p, value, path + ".updated_at", e);
        case "status" -> e.status = knownText(p, value, DidomiChange.STATUS_CONFIRMED, DidomiChange.STATUS_PENDING_APPROVAL);
        case "regulation" -> e.regulation = knownText(p, value, DidomiChange.DEFAULT_REGULATION, null);
        case "version" -> e.version = version(p, value, path + ".version", e);
        case "metadata" -> e.metadata = readMetadata(p, value);
        case "user" -> readEventUser(p, value, e);
        case "consents" -> readConsents(p, value, e);
        default -> {
          if (FlattenedWebhook.isFlattenedPath(field)) {
            e.flattened = true;
          } else if (field.endsWith("organization_user_id")) {
            e.unreadUserIdField = field;
          }
          p.skipChildren();
          continue;
        }
      }
      e.known |= value != JsonToken.VALUE_NULL;
    }
    return e;
  }

  /** The {@code user} object of an event entity. */
  private static void readEventUser(JsonParser p, JsonToken start, Entity e) throws IOException {
    if (start != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "organization_user_id" -> e.nestedOrganizationUserId = scalarText(p, value);
        case "metadata" -> e.nestedMetadata = readMetadata(p, value);
        default -> {
          if (field.endsWith("organization_user_id")) {
            e.unreadUserIdField = "user." + field;
          }
          p.skipChildren();
        }
      }
    }
  }

  private static void readConsents(JsonParser p, JsonToken start, Entity e) throws IOException {
    if (start != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      JsonToken value = p.nextToken();
      if (p.currentName().equals("purposes") && value == JsonToken.START_ARRAY) {
        e.purposes = readPurposes(p);
      } else {
        p.skipChildren();
      }
    }
  }

  private static List<Purpose> readPurposes(JsonParser p) throws IOException {
    List<Purpose> purposes = new ArrayList<>();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      if (t != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      String id = null;
      Boolean enabled = null;
      Map<String, String> values = Map.of();
      for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "id" -> id = scalarText(p, value);
          // a JSON boolean is a choice, null (or absent) is none; anything else ("false", 0) is
          // refused: acknowledged, a withdrawal written so would be lost without a trace
          case "enabled" -> {
            if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE && value != JsonToken.VALUE_NULL) {
              throw new InvalidWebhookException("consents.purposes[].enabled must be true, false or null");
            }
            enabled = value == JsonToken.VALUE_TRUE ? Boolean.TRUE : value == JsonToken.VALUE_FALSE ? Boolean.FALSE : null;
          }
          case "values" -> values = readPreferenceValues(p, value);
          default -> p.skipChildren();
        }
      }
      if (id != null) {
        purposes.add(new Purpose(id, enabled, values));
      }
    }
    return Collections.unmodifiableList(purposes);
  }

  /** {@code {"<preferenceId>": {"value": "a,b"}}}; a bare string selection is accepted too. */
  private static Map<String, String> readPreferenceValues(JsonParser p, JsonToken start) throws IOException {
    if (start != JsonToken.START_OBJECT) {
      p.skipChildren();
      return Map.of();
    }
    String firstKey = null;
    String firstValue = null;
    Map<String, String> more = null;
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String preference = p.currentName();
      JsonToken value = p.nextToken();
      String selection = null;
      if (value == JsonToken.VALUE_STRING) {
        selection = p.getText();
      } else if (value == JsonToken.START_OBJECT) {
        for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
          JsonToken inner = p.nextToken();
          if (p.currentName().equals("value") && inner == JsonToken.VALUE_STRING) {
            selection = p.getText();
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
      if (selection == null) {
        continue;
      }
      if (firstKey == null) {
        firstKey = preference;
        firstValue = selection;
      } else {
        if (more == null) {
          more = new LinkedHashMap<>();
          more.put(firstKey, firstValue);
        }
        more.put(preference, selection);
      }
    }
    if (more != null) {
      return Collections.unmodifiableMap(more);
    }
    return firstKey == null ? Map.of() : Map.of(firstKey, firstValue);
  }

  private static Entity.Metadata readMetadata(JsonParser p, JsonToken start) throws IOException {
    if (start != JsonToken.START_OBJECT) {
      p.skipChildren();
      return null;
    }
    Map<String, AttributeValue> values = null;
    List<String> dropped = null;
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String key = p.currentName();
      JsonToken value = p.nextToken();
      AttributeValue scalar;
      switch (value) {
        case VALUE_STRING -> scalar = AttributeValue.ofString(p.getText());
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> scalar = AttributeValue.ofNumber(p.getText());
        case VALUE_TRUE -> scalar = AttributeValue.TRUE;
        case VALUE_FALSE -> scalar = AttributeValue.FALSE;
        case START_OBJECT, START_ARRAY -> {
          p.skipChildren();
          if (dropped == null) {
            dropped = new ArrayList<>(2);
          }
          dropped.add(key);
          continue;
        }
        default -> {
          // null: no value to copy
          continue;
        }
      }
      if (values == null) {
        values = new LinkedHashMap<>();
      }
      values.put(key, scalar);
    }
    return new Entity.Metadata(
        values == null ? Map.of() : Collections.unmodifiableMap(values),
        dropped == null ? List.of() : Collections.unmodifiableList(dropped));
  }

  private static String readSourceId(JsonParser p, JsonToken start) throws IOException {
    if (start != JsonToken.START_OBJECT) {
      p.skipChildren();
      return null;
    }
    String id = null;
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      JsonToken value = p.nextToken();
      if (p.currentName().equals("id")) {
        id = scalarText(p, value);
      } else {
        p.skipChildren();
      }
    }
    return id == null || id.isBlank() ? null : id;
  }

  /** The text of a scalar, null for JSON null; objects and arrays are skipped and read as null. */
  private static String scalarText(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value.isScalarValue()) {
      return p.getText();
    }
    p.skipChildren();
    return null;
  }

  private static String stringOnly(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    p.skipChildren();
    return null;
  }

  /** A string that is one of the expected constants is returned as that constant, saving a String per read. */
  private static String knownText(JsonParser p, JsonToken value, String known, String otherKnown) throws IOException {
    if (value == JsonToken.VALUE_STRING) {
      char[] chars = p.getTextCharacters();
      int offset = p.getTextOffset();
      int length = p.getTextLength();
      if (sameChars(known, chars, offset, length)) {
        return known;
      }
      if (otherKnown != null && sameChars(otherKnown, chars, offset, length)) {
        return otherKnown;
      }
    }
    return scalarText(p, value);
  }

  private static boolean sameChars(String text, char[] chars, int offset, int length) {
    if (text.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (text.charAt(i) != chars[offset + i]) {
        return false;
      }
    }
    return true;
  }

  private static long timestamp(JsonParser p, JsonToken value, String path, Entity entity) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return ABSENT;
    }
    if (value != JsonToken.VALUE_STRING) {
      p.skipChildren();
      return entity.unreadable("'" + path + "' is not an ISO-8601 timestamp");
    }
    long millis = IsoTimestamps.parseMillis(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    if (millis == IsoTimestamps.INVALID) {
      return entity.unreadable("'" + path + "' is not an ISO-8601 timestamp: " + quote(p.getText()));
    }
    return millis;
  }

  private static long version(JsonParser p, JsonToken value, String path, Entity entity) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return 0;
    }
    if (value == JsonToken.VALUE_NUMBER_INT) {
      try {
        return p.getLongValue();
      } catch (IOException e) {
        return entity.unreadable("'" + path + "' is out of range");
      }
    }
    if (value == JsonToken.VALUE_STRING) {
      try {
        return Long.parseLong(p.getText().trim());
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    p.skipChildren();
    return entity.unreadable("'" + path + "' must be an integer");
  }

  private static String where(JsonLocation location) {
    if (location == null || location.getLineNr() < 0) {
      return "";
    }
    return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  /** A short, printable rendering of a value taken from the payload, for an error message. */
  private static String quote(String text) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_QUOTED) + 3).append('\'');
    for (int i = 0; i < text.length() && i < MAX_QUOTED; i++) {
      char c = text.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    if (text.length() > MAX_QUOTED) {
      out.append('…');
    }
    return out.append('\'').toString();
  }

  private static final class Envelope {
    String typeName;
    String regulation;
    Parameters parameters;
  }

  private static final class Parameters {
    Entity entity;
    Entity newEntity;
    Entity oldEntity;
    String sourceId;

    boolean flattened() {
      return entity != null && entity.flattened || newEntity != null && newEntity.flattened
          || oldEntity != null && oldEntity.flattened;
    }
  }

  /** Scratch fields of one entity while it is read; an event's and a user's entities share it. */
  private static final class Entity {
    final boolean lenient;
    boolean unusable; // lenient only: a field could not be read
    String id;
    String organizationId;
    String organizationUserId;
    String nestedOrganizationUserId;
    String status;
    String regulation;
    long createdAt = ABSENT;
    long updatedAt = ABSENT;
    long version;
    List<Purpose> purposes = List.of();
    Metadata metadata;
    Metadata nestedMetadata;
    boolean known; // a field of a Didomi entity was there, not null
    boolean flattened; // a field name was a flattened path: read the body again, nested
    String unreadUserIdField; // e.g. "user.organization_user_id": a key the gateway cannot read

    Entity(boolean lenient) {
      this.lenient = lenient;
    }

    /** A field that cannot be read: the webhook's error, or for a lenient entity, the entity's end of use. */
    long unreadable(String message) {
      if (!lenient) {
        throw new InvalidWebhookException(message);
      }
      unusable = true;
      return ABSENT;
    }

    Metadata effectiveMetadata() {
      return metadata != null ? metadata : nestedMetadata;
    }

    record Metadata(Map<String, AttributeValue> values, List<String> dropped) {}
  }
}
