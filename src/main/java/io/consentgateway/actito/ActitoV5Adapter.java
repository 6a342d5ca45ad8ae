package io.consentgateway.actito;

import io.consentgateway.mapping.ActitoProfileUpdate;
import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.RemoteCallException.Kind;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@link ActitoApi} of Actito's V5 profile API ({@code /profiles/v5/entities/{entity}/
 * profile-tables/{table}/profiles}): one call per change in both modes, the token aside.
 *
 * <ul>
 *   <li>{@code upsertMode: true}: {@code PUT .../profiles} with the key, the attributes and the
 *       subscriptions: creates or updates.
 *   <li>{@code upsertMode: false}: {@code PATCH .../profiles/{uniqueKey}={value}}: updates, and
 *       answers 404 when Actito has no such profile — {@link SyncResult.NotInActito}, never created.
 * </ul>
 *
 * The profile is addressed by its unique key, never by a remembered id, so no look-up is needed
 * first. The write bodies are the gateway's reading of Actito's public material: they are written
 * here and in the sandbox only, so a correction touches this class. Bodies are written from the
 * update itself: numbers reach Actito exactly as Didomi wrote them.
 */
public final class ActitoV5Adapter implements ActitoApi {

  private final ActitoClient client;
  private final boolean upsertMode;
  private final List<String> subscriptions;

  /** @param subscriptions the mapped subscriptions a look-up reports */
  public ActitoV5Adapter(ActitoClient client, Collection<String> subscriptions) {
    this.client = Objects.requireNonNull(client, "client");
    this.upsertMode = client.settings().upsertMode();
    this.subscriptions = List.copyOf(subscriptions);
  }

  @Override
  public String version() {
    return "v5";
  }

  @Override
  public Future<SyncResult> apply(Long knownProfileId, ActitoProfileUpdate update) {
    Objects.requireNonNull(update, "update");
    Future<SyncResult> result = upsertMode
        ? client.upsertV5(Buffer.buffer(update.toV5Json(true))).map(id -> (SyncResult) new SyncResult.Delivered(id))
        : client.patchV5(update.organizationUserId(), Buffer.buffer(update.toV5Json(false)))
            .map(id -> (SyncResult) new SyncResult.Delivered(id))
            .recover(err -> isNotFound(err)
                ? Future.succeededFuture(new SyncResult.NotInActito(update.organizationUserId()))
                : Future.failedFuture(err));
    return result.recover(err -> Future.succeededFuture(ActitoV4Adapter.classify(err)));
  }

  @Override
  public Future<Optional<ActitoProfile>> lookup(String uniqueKeyValue) {
    return client.lookupV5(uniqueKeyValue, subscriptions);
  }

  @Override
  public Future<JsonObject> tableStructure() {
    return client.tableStructure();
  }

  private static boolean isNotFound(Throwable err) {
    return err instanceof RemoteCallException e && e.kind() == Kind.NOT_FOUND;
  }
}
