package io.consentgateway.actito;

import io.consentgateway.mapping.ActitoProfileUpdate;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/**
 * What the gateway asks of Actito, whatever the API version: one adapter per version implements
 * it ({@link ActitoV4Adapter} today), over the one {@link ActitoClient} that owns the licence's
 * token, pacing gate and breaker. The dispatch lanes know only this interface.
 */
public interface ActitoApi {

  /** The V4 adapter for {@code client}'s configuration. */
  static ActitoApi of(ActitoClient client) {
    return new ActitoV4Adapter(client);
  }

  /** The adapter of {@code version} for {@code client}; a V5 look-up reports {@code subscriptions}. */
  static ActitoApi of(ActitoClient client, io.consentgateway.config.ActitoConfig.ApiVersion version,
      java.util.Collection<String> subscriptions) {
    return switch (version) {
      case V5 -> new ActitoV5Adapter(client, subscriptions);
      case V4 -> new ActitoV4Adapter(client);
    };
  }

  /** The API version this adapter speaks, for logs and the operator's view. */
  String version();

  /**
   * Sends one change with as few calls as the integration's mode allows; the future always
   * succeeds, with what became of it ({@link SyncResult}), and never retries.
   *
   * @param knownProfileId the id Actito gave for this user before, or null
   */
  Future<SyncResult> apply(Long knownProfileId, ActitoProfileUpdate update);

  /** The profile whose unique key is {@code uniqueKeyValue}; empty when Actito has none. */
  Future<Optional<ActitoProfile>> lookup(String uniqueKeyValue);

  /** The entity's profile tables, as Actito describes them ({@link TableStructure} reads it). */
  Future<JsonObject> tableStructure();
}
