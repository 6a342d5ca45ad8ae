package io.consentgateway.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds Didomi webhook bodies of the documented shapes, for tests that need variations. */
public final class WebhookBody {

  private final String type;
  private String entityId = "e-1";
  private String user = "ann.martin@example.com";
  private String createdAt = "2026-11-20T09:00:00Z";
  private String updatedAt;
  private String oldStatus;
  private String status = "confirmed";
  private String regulation;
  private Long version;
  private String sourceId;
  private String metadataJson;
  private final List<String> purposes = new ArrayList<>();

  private WebhookBody(String type) {
    this.type = type;
  }

  public static WebhookBody eventCreated(String createdAt) {
    WebhookBody body = new WebhookBody("event.created");
    body.createdAt = createdAt;
    return body;
  }

  /** An event.updated taking the event from {@code oldStatus} to {@code newStatus} at {@code updatedAt}. */
  public static WebhookBody eventUpdated(String createdAt, String updatedAt, String oldStatus, String newStatus) {
    WebhookBody body = new WebhookBody("event.updated");
    body.createdAt = createdAt;
    body.updatedAt = updatedAt;
    body.oldStatus = oldStatus;
    body.status = newStatus;
    return body;
  }

  /** user.created, user.updated or user.deleted, at {@code updatedAt} with {@code version}. */
  public static WebhookBody user(String type, String updatedAt, long version) {
    WebhookBody body = new WebhookBody(type);
    body.createdAt = "2026-01-01T00:00:00Z";
    body.updatedAt = updatedAt;
    body.version = version;
    body.status = null;
    return body;
  }

  public WebhookBody entityId(String id) {
    this.entityId = id;
    return this;
  }

  public WebhookBody user(String organizationUserId) {
    this.user = organizationUserId;
    return this;
  }

  public WebhookBody status(String status) {
    this.status = status;
    return this;
  }

  public WebhookBody regulation(String regulation) {
    this.regulation = regulation;
    return this;
  }

  public WebhookBody source(String id) {
    this.sourceId = id;
    return this;
  }

  /** {@code enabled} may be null: no choice made. */
  public WebhookBody purpose(String id, Boolean enabled) {
    purposes.add("{\"id\":\"" + id + "\",\"enabled\":" + enabled + "}");
    return this;
  }

  public WebhookBody purpose(String id, Boolean enabled, String preference, String selection) {
    purposes.add("{\"id\":\"" + id + "\",\"enabled\":" + enabled + ",\"values\":{\"" + preference
        + "\":{\"value\":\"" + selection + "\"}}}");
    return this;
  }

  public WebhookBody metadata(String json) {
    this.metadataJson = json;
    return this;
  }

  public byte[] bytes() {
    return json().getBytes(StandardCharsets.UTF_8);
  }

  public String json() {
    boolean isUser = type.startsWith("user.");
    boolean isUpdate = type.endsWith(".updated");
    StringBuilder entity = new StringBuilder("{\"id\":\"").append(entityId).append("\",\"organization_id\":\"acme-org\"");
    entity.append(",\"created_at\":\"").append(createdAt).append('"');
    if (updatedAt != null) {
      entity.append(",\"updated_at\":\"").append(updatedAt).append('"');
    }
    if (status != null) {
      entity.append(",\"status\":\"").append(status).append('"');
    }
    if (regulation != null) {
      entity.append(",\"regulation\":\"").append(regulation).append('"');
    }
    if (version != null) {
      entity.append(",\"version\":").append(version);
    }
    String userId = user == null ? "" : ",\"organization_user_id\":\"" + user + "\"";
    String metadata = metadataJson == null ? "" : ",\"metadata\":" + metadataJson;
    if (isUser) {
      entity.append(userId).append(metadata);
    } else {
      entity.append(",\"user\":{\"id\":\"didomi-user\"").append(userId).append(metadata).append('}');
    }
    entity.append(",\"consents\":{\"purposes\":[").append(String.join(",", purposes)).append("],\"vendors\":{}}}");

    StringBuilder out = new StringBuilder("{\"type\":\"").append(type).append("\",\"parameters\":{");
    if (isUpdate) {
      if (sourceId != null) {
        out.append("\"source\":{\"id\":\"").append(sourceId).append("\"},");
      }
      String old = entity.toString();
      if (oldStatus != null) {
        old = old.replace("\"status\":\"" + status + "\"", "\"status\":\"" + oldStatus + "\"");
      }
      out.append("\"old_entity\":").append(old).append(",\"new_entity\":").append(entity);
    } else {
      out.append("\"entity\":").append(entity);
    }
    return out.append("}}").toString();
  }
}
