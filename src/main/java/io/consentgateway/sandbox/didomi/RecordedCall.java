package io.consentgateway.sandbox.didomi;

import io.vertx.core.json.JsonObject;

/**
 * One call the Didomi sandbox received, as {@code GET /_sandbox/calls} lists it. Times are epoch
 * milliseconds; {@code status} is 0 while unanswered or never answered (injected hang, client gone).
 * Bodies are kept, except that the API secret of a session request and issued tokens are masked;
 * the Authorization header is never kept.
 */
public record RecordedCall(
    long sequence, String method, String path, long receivedAtMs, long endedAtMs, int status,
    String requestBody, String responseBody) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("sequence", sequence)
        .put("method", method)
        .put("path", path)
        .put("receivedAtMs", receivedAtMs)
        .put("endedAtMs", endedAtMs)
        .put("status", status)
        .put("requestBody", requestBody)
        .put("responseBody", responseBody);
  }
}
