package io.consentgateway.webhook;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One Didomi webhook, normalised: whichever of the six types it is, the entity that carries the
 * consent (the event, or the user after the change) reduced to what the gateway syncs. Immutable.
 *
 * <p>{@link #timestampMillis()} and {@link #version()} are the change's own stamp (guarantees 3
 * and 5, docs/design.md): event {@code created_at}; a pending event's confirmation at the confirmed entity's {@code
 * updated_at}; user {@code updated_at} with {@code version} as tie-breaker (events have version 0).
 * Whether the change applies to a given integration (regulation, status, type) is the
 * mapper's decision, not the parser's.
 */
public final class DidomiChange {

  /** The six webhook types Didomi sends (docs/design.md §2). */
  public enum Type {
    EVENT_CREATED("event.created"),
    EVENT_UPDATED("event.updated"),
    EVENT_DELETED("event.deleted"),
    USER_CREATED("user.created"),
    USER_UPDATED("user.updated"),
    USER_DELETED("user.deleted");

    private final String wireName;

    Type(String wireName) {
      this.wireName = wireName;
    }

    /** The {@code type} string Didomi sends. */
    public String wireName() {
      return wireName;
    }

    public boolean isEvent() {
      return this == EVENT_CREATED || this == EVENT_UPDATED || this == EVENT_DELETED;
    }

    /** The type named {@code wireName}, or null when Didomi sent a type this gateway does not know. */
    public static Type fromWireName(String wireName) {
      return switch (wireName) {
        case "event.created" -> EVENT_CREATED;
        case "event.updated" -> EVENT_UPDATED;
        case "event.deleted" -> EVENT_DELETED;
        case "user.created" -> USER_CREATED;
        case "user.updated" -> USER_UPDATED;
        case "user.deleted" -> USER_DELETED;
        default -> null;
      };
    }
  }

  public static final String STATUS_CONFIRMED = "confirmed";
  public static final String STATUS_PENDING_APPROVAL = "pending_approval";
  public static final String DEFAULT_REGULATION = "gdpr";

  /**
   * One purpose of the change. {@code enabled} is null when the user made no choice; {@code
   * preferenceValues} maps a preference id to its comma-separated selection of value ids (a
   * preference Didomi sent without a value is absent).
   */
  public record Purpose(String id, Boolean enabled, Map<String, String> preferenceValues) {
    public Purpose {
      Objects.requireNonNull(id, "id");
      preferenceValues = preferenceValues == null ? Map.of() : preferenceValues;
    }
  }

  /**
   * The user as it was before a {@code user.updated}, from its {@code old_entity}: stamped like a
   * user change ({@code updated_at}, else {@code created_at}; {@code version}), with the purposes
   * and metadata scalars it held then, read as the current entity's are.
   */
  public record Previous(long timestampMillis, long version, List<Purpose> purposes, Map<String, AttributeValue> metadata) {
    public Previous {
      Objects.requireNonNull(purposes, "purposes");
      Objects.requireNonNull(metadata, "metadata");
    }
  }

  /**
   * What the dedup key is made of, the key itself being built only when asked for: the id people
   * recognise it by ({@code source.id} of an update, else the entity id; null when neither) and
   * the {@link DeliveryDigest} of the body's exact bytes.
   */
  record DedupParts(String readableId, String bodyDigest) {
    DedupParts {
      Objects.requireNonNull(bodyDigest, "bodyDigest");
    }
  }

  private final Type type;
  private final DedupParts dedupParts;
  private String dedupKey; // built lazily; a racy rebuild yields an equal immutable String
  private final String entityId;
  private final String organizationId;
  private final String organizationUserId;
  private final String regulation;
  private final String status;
  private final long timestampMillis;
  private final long version;
  private final boolean confirmsPending;
  private final List<Purpose> purposes;
  private final Map<String, AttributeValue> metadata;
  private final List<String> droppedMetadataKeys;
  private final Previous previous;

  DidomiChange(
      Type type,
      DedupParts dedupParts,
      String entityId,
      String organizationId,
      String organizationUserId,
      String regulation,
      String status,
      long timestampMillis,
      long version,
      boolean confirmsPending,
      List<Purpose> purposes,
      Map<String, AttributeValue> metadata,
      List<String> droppedMetadataKeys,
      Previous previous) {
    this.type = Objects.requireNonNull(type, "type");
    this.dedupParts = Objects.requireNonNull(dedupParts, "dedupParts");
    this.entityId = entityId;
    this.organizationId = organizationId;
    this.organizationUserId = organizationUserId;
    this.regulation = regulation == null ? DEFAULT_REGULATION : regulation;
    this.status = status;
    this.timestampMillis = timestampMillis;
    this.version = version;
    this.confirmsPending = confirmsPending;
    this.purposes = purposes;
    this.metadata = metadata;
    this.droppedMetadataKeys = droppedMetadataKeys;
    this.previous = previous;
  }

  public Type type() {
    return type;
  }

  /**
   * Identifies the delivery for idempotent ingest (docs/design.md, guarantee 2): a byte-identical redelivery has
   * the same key, and no two different bodies ever share one. {@code <type>:<id>:<digest>}: the
   * {@code source.id} of an {@code *.updated} that carries one, else the entity id, else {@code -}
   * (printable ASCII, at most 64 characters, for people reading the inbox), then the {@link
   * DeliveryDigest} of the exact body bytes, which alone makes the key unique. Scope it by
   * integration when storing it.
   */
  public String dedupKey() {
    String key = dedupKey;
    if (key == null) {
      key = type.wireName() + ':' + DeliveryDigest.readable(dedupParts.readableId()) + ':' + dedupParts.bodyDigest();
      dedupKey = key;
    }
    return key;
  }

  /** The Didomi id of the event or user entity; null if absent. */
  public String entityId() {
    return entityId;
  }

  /** The entity's {@code organization_id}; null if absent or not a JSON string. */
  public String organizationId() {
    return organizationId;
  }

  /** The key matched against Actito's user unique key; null when Didomi sent none (skip it). */
  public String organizationUserId() {
    return organizationUserId;
  }

  /**
   * Lower-case regulation the change belongs to: the envelope's {@code regulation} when present
   * (it wins over the entity's), else the entity's, else {@value #DEFAULT_REGULATION}.
   */
  public String regulation() {
    return regulation;
  }

  /** The entity's status as sent ({@code confirmed}, {@code pending_approval}); null for users. */
  public String status() {
    return status;
  }

  public boolean isPending() {
    return STATUS_PENDING_APPROVAL.equals(status);
  }

  /** Epoch milliseconds at which this change took effect (see the class comment). */
  public long timestampMillis() {
    return timestampMillis;
  }

  /** The user entity's version, the tie-breaker at equal timestamps; 0 for events. */
  public long version() {
    return version;
  }

  /** True for an {@code event.updated} taking an event from {@code pending_approval} to {@code confirmed}. */
  public boolean confirmsPending() {
    return confirmsPending;
  }

  public List<Purpose> purposes() {
    return purposes;
  }

  /** The scalar properties of the user's metadata, in the order Didomi sent them. */
  public Map<String, AttributeValue> metadata() {
    return metadata;
  }

  /** Metadata keys whose value was an object or an array: never sent to Actito. */
  public List<String> droppedMetadataKeys() {
    return droppedMetadataKeys;
  }

  /**
   * For a {@code user.updated}, the user before the change; null for every other type, and when the
   * webhook's {@code old_entity} is absent or unusable (no timestamp, one that does not parse, a
   * version that is not an integer) — never an error.
   */
  public Previous previous() {
    return previous;
  }

  @Override
  public String toString() {
    // no user id or metadata: this lands in logs
    return "DidomiChange[" + type.wireName() + ", entity " + entityId + ", at " + timestampMillis
        + " v" + version + ", " + purposes.size() + " purposes]";
  }
}
