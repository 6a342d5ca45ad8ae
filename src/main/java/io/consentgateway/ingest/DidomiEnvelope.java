package io.consentgateway.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Set;

/** What ingest needs of a Didomi webhook: its type, user, organisation and delivery identity. */
record DidomiEnvelope(String type, String organizationId, String organizationUserId, String dedupKey) {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TYPES =
      Set.of("event.created", "event.updated", "event.deleted", "user.created", "user.updated", "user.deleted");

  static DidomiEnvelope parse(byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new InvalidWebhookException("the body is not valid JSON");
    } catch (IOException e) {
      throw new InvalidWebhookException("the body could not be read");
    }
    if (root == null || !root.isObject()) {
      throw new InvalidWebhookException("the body must be a JSON object {\"type\", \"parameters\"}");
    }
    String type = root.path("type").asText(null);
    if (type == null || !TYPES.contains(type)) {
      throw new InvalidWebhookException("unknown or missing webhook type; expected one of " + TYPES);
    }
    JsonNode parameters = root.get("parameters");
    if (parameters == null || !parameters.isObject()) {
      throw new InvalidWebhookException("'parameters' must be an object");
    }
    boolean updated = type.endsWith(".updated");
    JsonNode entity = parameters.get(updated ? "new_entity" : "entity");
    if (entity == null || !entity.isObject()) {
      throw new InvalidWebhookException("'parameters." + (updated ? "new_entity" : "entity") + "' must be an object");
    }
    String entityId = entity.path("id").asText(null);
    if (entityId == null || entityId.isBlank()) {
      throw new InvalidWebhookException("the entity has no id");
    }
    boolean isUser = type.startsWith("user.");
    String userKey = isUser
        ? entity.path("organization_user_id").asText(null)
        : entity.path("user").path("organization_user_id").asText(null);
    String sourceId = parameters.path("source").path("id").asText(null);
    String dedupKey = sourceId != null
        ? type + ":" + sourceId
        : type + ":" + entityId + ":" + entity.path("version").asText("") + ":"
            + entity.path("updated_at").asText(entity.path("created_at").asText("")) + ":" + entity.path("status").asText("");
    return new DidomiEnvelope(type, entity.path("organization_id").asText(null), blankToNull(userKey), dedupKey);
  }

  private static String blankToNull(String text) {
    return text == null || text.isBlank() ? null : text;
  }
}
