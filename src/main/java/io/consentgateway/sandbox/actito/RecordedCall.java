package io.consentgateway.sandbox.actito;

import io.vertx.core.json.JsonObject;

/**
 * One call the sandbox received, as {@code GET /_sandbox/calls} lists it. Times are epoch
 * milliseconds: {@code startedAtMs} when the request arrived, {@code admittedAtMs} when the
 * per-minute budget let it run (later than arrival for a slowed call), {@code endedAtMs} when it
 * was answered or abandoned ({@code 0} while in flight). {@code status} is 0 for a call never
 * answered (injected hang, client gone). The request body is kept; the Authorization header never.
 */
public record RecordedCall(
    long sequence,
    String method,
    String path,
    long startedAtMs,
    long admittedAtMs,
    long endedAtMs,
    int status,
    String requestBody,
    String responseBody) {

  /** Whether the per-minute budget delayed this call. */
  public boolean slowed() {
    return admittedAtMs > startedAtMs;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("sequence", sequence)
        .put("method", method)
        .put("path", path)
        .put("startedAtMs", startedAtMs)
        .put("admittedAtMs", admittedAtMs)
        .put("endedAtMs", endedAtMs)
        .put("status", status)
        .put("requestBody", requestBody)
        .put("responseBody", responseBody);
  }
}
