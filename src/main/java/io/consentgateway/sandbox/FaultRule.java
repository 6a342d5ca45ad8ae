package io.consentgateway.sandbox;

import io.vertx.core.json.JsonObject;

/**
 * One fault the sandbox injects into the calls whose path contains {@code pathContains} (all
 * calls but the admin ones when null): with probability {@code ratio}, for the next {@code count}
 * calls ({@code -1}: until cleared), it adds {@code latencyMs}, then answers {@code status} (with
 * {@code Retry-After: retryAfter} when given) or, when {@code hang}, never answers at all.
 *
 * <p>JSON form, as posted to {@code POST /_sandbox/faults}: {@code {"status": 503, "count": 3,
 * "ratio": 1.0, "retryAfter": "1", "hang": false, "latencyMs": 0, "pathContains": "/profiles/"}}.
 */
public record FaultRule(
    int status, int count, double ratio, String retryAfter, boolean hang, long latencyMs, String pathContains) {

  public FaultRule {
    if (ratio < 0 || ratio > 1) {
      throw new IllegalArgumentException("ratio must be within [0, 1], was " + ratio);
    }
    if (status != 0 && (status < 100 || status > 599)) {
      throw new IllegalArgumentException("status must be an HTTP status, was " + status);
    }
    if (latencyMs < 0) {
      throw new IllegalArgumentException("latencyMs must not be negative");
    }
    if (status == 0 && !hang && latencyMs == 0) {
      throw new IllegalArgumentException("a fault needs a status, hang or latencyMs");
    }
  }

  /** The next {@code count} calls answer {@code status}. */
  public static FaultRule burst(int count, int status) {
    return new FaultRule(status, count, 1.0, null, false, 0, null);
  }

  /** The next {@code count} calls answer {@code status} with a {@code Retry-After} header. */
  public static FaultRule burst(int count, int status, String retryAfter) {
    return new FaultRule(status, count, 1.0, retryAfter, false, 0, null);
  }

  /** Each call answers {@code status} with probability {@code ratio}, until cleared. */
  public static FaultRule fraction(double ratio, int status) {
    return new FaultRule(status, -1, ratio, null, false, 0, null);
  }

  /** The next {@code count} calls are never answered. */
  public static FaultRule hang(int count) {
    return new FaultRule(0, count, 1.0, null, true, 0, null);
  }

  /** Every call is delayed by {@code latencyMs}, until cleared. */
  public static FaultRule latency(long latencyMs) {
    return new FaultRule(0, -1, 1.0, null, false, latencyMs, null);
  }

  /** The same fault, limited to the calls whose path contains {@code fragment}. */
  public FaultRule onPathsContaining(String fragment) {
    return new FaultRule(status, count, ratio, retryAfter, hang, latencyMs, fragment);
  }

  public static FaultRule fromJson(JsonObject json) {
    return new FaultRule(
        json.getInteger("status", 0),
        json.getInteger("count", -1),
        json.getDouble("ratio", 1.0),
        json.getValue("retryAfter") == null ? null : String.valueOf(json.getValue("retryAfter")),
        json.getBoolean("hang", false),
        json.getLong("latencyMs", 0L),
        json.getString("pathContains"));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("status", status)
        .put("count", count)
        .put("ratio", ratio)
        .put("retryAfter", retryAfter)
        .put("hang", hang)
        .put("latencyMs", latencyMs)
        .put("pathContains", pathContains);
  }

  /** Whether the rule concerns a call to {@code path} (every path without {@code pathContains}). */
  public boolean appliesTo(String path) {
    return pathContains == null || path.contains(pathContains);
  }
}
