package io.consentgateway.sandbox.actito;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An Actito webhook subscription on the sandbox's profile table (docs/design.md §2, Actito webhooks): whenever a
 * profile's subscriptions change, POST the webhook envelope to {@code targetUrl} with {@code
 * headers} — Actito's only authentication, e.g. {@code X-Authorization: <shared secret>}. {@code
 * bulk} sends {@code data} as an array (of one profile, here). Only {@link #UPDATED_SUBSCRIPTION}
 * is emitted by the sandbox.
 *
 * <p>JSON form, as posted to {@code POST /_sandbox/webhooks}: {@code {"targetUrl": "...",
 * "headers": {"X-Authorization": "..."}, "eventType": "UPDATED_SUBSCRIPTION", "bulk": false}}.
 * {@link #toJson()} and {@link #toString()} mask header values: they are secrets.
 */
public record WebhookSubscription(String targetUrl, Map<String, String> headers, String eventType, boolean bulk) {

  public static final String UPDATED_SUBSCRIPTION = "UPDATED_SUBSCRIPTION";

  public WebhookSubscription {
    Objects.requireNonNull(targetUrl, "targetUrl");
    if (!targetUrl.startsWith("http://") && !targetUrl.startsWith("https://")) {
      throw new IllegalArgumentException("targetUrl must be an http(s) URL");
    }
    headers = Map.copyOf(headers == null ? Map.of() : headers);
    eventType = eventType == null ? UPDATED_SUBSCRIPTION : eventType;
    if (!eventType.equals(UPDATED_SUBSCRIPTION)) {
      throw new IllegalArgumentException("the sandbox emits only " + UPDATED_SUBSCRIPTION + " webhooks, not " + eventType);
    }
  }

  /** An {@link #UPDATED_SUBSCRIPTION} subscription sending {@code headers}, single push. */
  public static WebhookSubscription updatedSubscription(String targetUrl, Map<String, String> headers) {
    return new WebhookSubscription(targetUrl, headers, UPDATED_SUBSCRIPTION, false);
  }

  public static WebhookSubscription fromJson(JsonObject json) {
    var headers = new LinkedHashMap<String, String>();
    JsonObject given = json.getJsonObject("headers");
    if (given != null) {
      given.forEach(e -> headers.put(e.getKey(), String.valueOf(e.getValue())));
    }
    String target = json.getString("targetUrl");
    if (target == null) {
      throw new IllegalArgumentException("targetUrl is required");
    }
    return new WebhookSubscription(target, headers, json.getString("eventType"), json.getBoolean("bulk", false));
  }

  public JsonObject toJson() {
    var masked = new JsonObject();
    headers.keySet().forEach(name -> masked.put(name, "****"));
    return new JsonObject().put("targetUrl", targetUrl).put("headers", masked).put("eventType", eventType)
        .put("bulk", bulk);
  }

  @Override
  public String toString() {
    return "WebhookSubscription[" + targetUrl + ", headers " + headers.keySet() + ", " + eventType
        + (bulk ? ", bulk" : "") + "]";
  }
}
