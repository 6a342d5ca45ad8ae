package io.consentgateway.actito;

import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.Backoff;
import io.consentgateway.remote.RemoteCallException.Kind;
import io.consentgateway.remote.RemoteCallException.RetryReason;
import io.consentgateway.mapping.ActitoProfileUpdate;
import io.consentgateway.webhook.AttributeValue;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@link ActitoApi} of Actito's V4 profile API ({@code /entity/{entity}/table/{table}/profile...}).
 *
 * <p>Sends one change — the {@link ActitoProfileUpdate} the mapper built for a user — to Actito with
 * as few calls as the integration's mode allows, and says what became of it. The future always
 * succeeds, with a {@link SyncResult}; it never retries (the dispatcher does, per {@link Backoff}).
 * Request bodies are written from the update itself, never re-parsed: numbers reach Actito exactly
 * as Didomi wrote them ({@code 1.50} stays {@code 1.50}, {@code 1e400} stays {@code 1e400}).
 *
 * <p>Calls per change (the token, about one per 14 minutes per licence, aside):
 *
 * <ul>
 *   <li>{@code upsertMode: true}: 1 — {@code POST .../profile?allowUpdate=true} with everything.
 *   <li>{@code upsertMode: false}: at most 2 — a look-up by unique key (absent: {@link
 *       SyncResult.NotInActito}, 1 call in all, never created), then one {@code POST
 *       .../profile?allowUpdate=true} carrying every attribute and subscription that differs from
 *       the profile looked up (none differs: 1 call). A profile deleted in the moment between the
 *       two calls would be created again: V4 has no update-only call that carries subscriptions.
 * </ul>
 *
 * Calls for one change run one after the other, so they never take more than one slot of the gate.
 */
public final class ActitoV4Adapter implements ActitoApi {

  private final ActitoClient client;
  private final boolean upsertMode;

  public ActitoV4Adapter(ActitoClient client) {
    this.client = Objects.requireNonNull(client, "client");
    this.upsertMode = client.settings().upsertMode();
  }

  @Override
  public String version() {
    return "v4";
  }

  @Override
  public Future<Optional<ActitoProfile>> lookup(String uniqueKeyValue) {
    return client.lookup(uniqueKeyValue);
  }

  @Override
  public Future<JsonObject> tableStructure() {
    return client.tableStructure();
  }

  /**
   * @param knownProfileId the Actito id Actito gave for this user before, or null: never another
   * @param update what to send, built by the mapper (it always carries the unique key)
   */
  @Override
  public Future<SyncResult> apply(Long knownProfileId, ActitoProfileUpdate update) {
    Objects.requireNonNull(update, "update");
    Future<SyncResult> result = upsertMode
        ? client.upsert(Buffer.buffer(update.toJson())).map(id -> (SyncResult) new SyncResult.Delivered(id))
        : updateOnly(update);
    return result.recover(err -> Future.succeededFuture(classify(err)));
  }

  // the look-up proves the profile exists (update-only never creates one); one POST then carries
  // every attribute and subscription that differs from what it holds
  private Future<SyncResult> updateOnly(ActitoProfileUpdate update) {
    String userId = update.organizationUserId();
    return client.lookup(userId).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture(new SyncResult.NotInActito(userId));
      }
      ActitoProfile profile = found.get();
      ActitoProfileUpdate changed = update.restrictedTo(
          name -> !sameValue(profile.attributes(), name, update.attributes().get(name)),
          name -> !update.subscriptions().get(name).equals(profile.subscriptions().get(name)));
      if (changed.fieldCount() == 0) {
        return Future.succeededFuture(new SyncResult.Delivered(profile.profileId()));
      }
      return client.upsert(Buffer.buffer(changed.toJson())).map(id -> (SyncResult) new SyncResult.Delivered(id));
    });
  }

  // what a look-up returned is parsed JSON: numbers may come back as another Number type or scale
  private static boolean sameValue(Map<String, Object> held, String name, AttributeValue wanted) {
    if (!held.containsKey(name)) {
      return false;
    }
    Object current = held.get(name);
    if (wanted.kind() == AttributeValue.Kind.NUMBER && current instanceof Number number) {
      try {
        return new BigDecimal(wanted.text()).compareTo(new BigDecimal(number.toString())) == 0;
      } catch (NumberFormatException e) {
        return false; // e.g. Infinity: not the same
      }
    }
    return String.valueOf(current).equals(wanted.text());
  }

  private static boolean isNotFound(Throwable err) {
    return err instanceof RemoteCallException e && e.kind() == Kind.NOT_FOUND;
  }

  static SyncResult classify(Throwable err) {
    if (!(err instanceof RemoteCallException e)) {
      // e.g. a 2xx without profileId: Actito misbehaving, worth another try
      return new SyncResult.Retryable(RetryReason.SERVER_ERROR, null, false, String.valueOf(err.getMessage()));
    }
    return switch (e.kind()) {
      case RETRYABLE -> new SyncResult.Retryable(e.retryReason(), e.retryAfter().orElse(null), false, e.getMessage());
      case AUTH_FAILED -> new SyncResult.Retryable(RetryReason.NONE, null, true, e.getMessage());
      case NOT_FOUND, PERMANENT -> new SyncResult.Permanent((ActitoOperation) e.operation(), e.status(), e.body(), e.getMessage());
    };
  }
}
