package io.consentgateway.support;

/** Didomi webhook bodies built from the documented shapes, varied per test. */
public final class DidomiPayloads {

  private DidomiPayloads() {}

  /** An {@code event.created} for {@code userKey}, setting the newsletter purpose. */
  public static String eventCreated(String eventId, String userKey, String createdAt, boolean newsletter) {
    return """
        {"type":"event.created","parameters":{"entity":{
          "id":"%s","organization_id":"acme-org","created_at":"%s","updated_at":"%s",
          "status":"confirmed","regulation":"gdpr",
          "user":{"id":"u-%s","organization_user_id":"%s","metadata":{"first_name":"Test"}},
          "consents":{"purposes":[{"id":"newsletter","enabled":%s}]}}}}
        """.formatted(eventId, createdAt, createdAt, eventId, userKey, newsletter);
  }

  /**
   * An {@code event.created} for {@code userKey} at second {@code seq} of a fixed day, carrying
   * {@code seq} as metadata too: what Actito holds then tells which change it came from.
   */
  public static String eventWithSeq(String userKey, int seq, boolean newsletter) {
    String at = java.time.Instant.parse("2026-11-20T00:00:00Z").plusSeconds(seq).toString();
    return """
        {"type":"event.created","parameters":{"entity":{
          "id":"evt-%s-%d","organization_id":"acme-org","created_at":"%s",
          "status":"confirmed","regulation":"gdpr",
          "user":{"id":"u-%s","organization_user_id":"%s","metadata":{"seq":"%d"}},
          "consents":{"purposes":[{"id":"newsletter","enabled":%s}]}}}}
        """.formatted(userKey, seq, at, userKey, userKey, seq, newsletter);
  }
}
