package io.consentgateway.actito;

import io.consentgateway.actito.ActitoCallException.Kind;
import io.consentgateway.actito.ActitoCallException.RetryReason;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Objects;

/**
 * Sends one change — the DESIGN.md §2.2 profile body ({@code attributes}, {@code subscriptions},
 * {@code dataCollectionInformation}) the mapper built for a user — to Actito with as few calls as
 * the integration's mode allows, and says what became of it. The future always succeeds, with a
 * {@link SyncResult}; it never retries (the dispatcher does, per {@link Backoff}).
 *
 * <p>Calls per change (the token, about one per 14 minutes per licence, aside):
 *
 * <ul>
 *   <li>{@code upsertMode: true}: 1 — {@code POST .../profile?allowUpdate=true} with everything.
 *   <li>{@code upsertMode: false}, profile id known: one {@code PUT .../profile/{id}} when the body
 *       has attributes besides the unique key, plus one subscribe/unsubscribe call per subscription
 *       in the body — Actito's {@code PUT} carries attributes only, and the upsert {@code POST}
 *       could create a profile, which this mode forbids. A 404 (id gone) falls back to the lookup
 *       path below, once.
 *   <li>{@code upsertMode: false}, id unknown: 1 lookup by unique key; absent → {@link
 *       SyncResult.NotInActito} (1 call in all); present → only what differs from the looked-up
 *       profile: a {@code PUT} if an attribute changed, one call per subscription that changed
 *       (often 1 + 1).
 * </ul>
 *
 * Calls for one change run one after the other, so they never take more than one slot of the gate.
 */
public final class ProfileSync {

  private final ActitoClient client;
  private final String uniqueKey;
  private final boolean upsertMode;

  public ProfileSync(ActitoClient client) {
    this.client = Objects.requireNonNull(client, "client");
    this.uniqueKey = client.settings().userUniqueKey();
    this.upsertMode = client.settings().upsertMode();
  }

  /**
   * @param organizationUserId the Didomi user's id, the value of the unique key attribute
   * @param knownProfileId the Actito id remembered from a previous delivery, or null
   * @param actitoProfileBody the JSON body built by the mapper
   */
  public Future<SyncResult> apply(String organizationUserId, Long knownProfileId, byte[] actitoProfileBody) {
    Objects.requireNonNull(organizationUserId, "organizationUserId");
    JsonObject body;
    try {
      body = Buffer.buffer(actitoProfileBody).toJsonObject();
    } catch (RuntimeException e) {
      return Future.succeededFuture(new SyncResult.Permanent(null, 0, "malformed Actito profile body: "
          + e.getMessage(), "the change cannot be sent to Actito"));
    }
    Future<SyncResult> result = upsertMode
        ? client.upsert(withUniqueKey(body, organizationUserId)).map(id -> (SyncResult) new SyncResult.Delivered(id))
        : updateOnly(organizationUserId, knownProfileId, body);
    return result.recover(err -> Future.succeededFuture(classify(err)));
  }

  private Future<SyncResult> updateOnly(String userId, Long knownProfileId, JsonObject body) {
    JsonArray attributes = attributesWithoutKey(body);
    JsonArray subscriptions = body.getJsonArray("subscriptions", new JsonArray());
    if (knownProfileId == null) {
      return lookupThenWrite(userId, attributes, subscriptions);
    }
    return write(knownProfileId, attributes, subscriptions)
        .recover(err -> isNotFound(err)
            // the remembered id is stale (profile deleted or merged): find the profile again
            ? lookupThenWrite(userId, attributes, subscriptions)
            : Future.failedFuture(err));
  }

  private Future<SyncResult> lookupThenWrite(String userId, JsonArray attributes, JsonArray subscriptions) {
    return client.lookup(userId).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture(new SyncResult.NotInActito(userId));
      }
      ActitoProfile profile = found.get();
      return write(profile.profileId(), changedAttributes(attributes, profile.attributes()),
          changedSubscriptions(subscriptions, profile.subscriptions()))
          .recover(err -> isNotFound(err)
              // deleted between lookup and write: it is not in Actito any more
              ? Future.succeededFuture(new SyncResult.NotInActito(userId))
              : Future.failedFuture(err));
    });
  }

  private Future<SyncResult> write(long profileId, JsonArray attributes, JsonArray subscriptions) {
    Future<?> chain = attributes.isEmpty() ? Future.succeededFuture() : client.update(profileId, attributes);
    for (int i = 0; i < subscriptions.size(); i++) {
      JsonObject subscription = subscriptions.getJsonObject(i);
      String name = subscription.getString("name");
      boolean subscribe = Boolean.TRUE.equals(subscription.getBoolean("subscribe"));
      chain = chain.compose(v -> subscribe ? client.subscribe(profileId, name) : client.unsubscribe(profileId, name));
    }
    return chain.map(v -> new SyncResult.Delivered(profileId));
  }

  private JsonObject withUniqueKey(JsonObject body, String userId) {
    JsonArray attributes = body.getJsonArray("attributes");
    if (attributes == null) {
      attributes = new JsonArray();
      body.put("attributes", attributes);
    }
    for (int i = 0; i < attributes.size(); i++) {
      if (uniqueKey.equals(attributes.getJsonObject(i).getString("name"))) {
        return body;
      }
    }
    attributes.add(new JsonObject().put("name", uniqueKey).put("value", userId));
    return body;
  }

  private JsonArray attributesWithoutKey(JsonObject body) {
    var out = new JsonArray();
    JsonArray attributes = body.getJsonArray("attributes", new JsonArray());
    for (int i = 0; i < attributes.size(); i++) {
      JsonObject attribute = attributes.getJsonObject(i);
      if (!uniqueKey.equals(attribute.getString("name"))) {
        out.add(attribute);
      }
    }
    return out;
  }

  private static JsonArray changedAttributes(JsonArray wanted, Map<String, Object> current) {
    var out = new JsonArray();
    for (int i = 0; i < wanted.size(); i++) {
      JsonObject attribute = wanted.getJsonObject(i);
      String name = attribute.getString("name");
      Object value = attribute.getValue("value");
      // numbers may come back as another Number type: compare their text
      if (!current.containsKey(name) || !String.valueOf(current.get(name)).equals(String.valueOf(value))) {
        out.add(attribute);
      }
    }
    return out;
  }

  private static JsonArray changedSubscriptions(JsonArray wanted, Map<String, Boolean> current) {
    var out = new JsonArray();
    for (int i = 0; i < wanted.size(); i++) {
      JsonObject subscription = wanted.getJsonObject(i);
      if (!Objects.equals(current.get(subscription.getString("name")), subscription.getBoolean("subscribe"))) {
        out.add(subscription);
      }
    }
    return out;
  }

  private static boolean isNotFound(Throwable err) {
    return err instanceof ActitoCallException e && e.kind() == Kind.NOT_FOUND;
  }

  private static SyncResult classify(Throwable err) {
    if (!(err instanceof ActitoCallException e)) {
      // e.g. a 2xx without profileId: Actito misbehaving, worth another try
      return new SyncResult.Retryable(RetryReason.SERVER_ERROR, null, false, String.valueOf(err.getMessage()));
    }
    return switch (e.kind()) {
      case RETRYABLE -> new SyncResult.Retryable(e.retryReason(), e.retryAfter().orElse(null), false, e.getMessage());
      case AUTH_FAILED -> new SyncResult.Retryable(RetryReason.NONE, null, true, e.getMessage());
      case NOT_FOUND, PERMANENT -> new SyncResult.Permanent(e.operation(), e.status(), e.body(), e.getMessage());
    };
  }
}
