package io.consentgateway.store;

import io.vertx.core.Future;

/**
 * The store as the public listener sees it: where an inbound webhook becomes durable. Each method
 * completes successfully only once what it took is committed to stable storage (fsync'd): the
 * caller may acknowledge the webhook then, and not before. It fails with {@link
 * StoreUnavailableException} when the write cannot be taken (queue full, store closed, storage
 * error): the caller must answer 503, never 2xx.
 */
public interface Inbox {

  /**
   * Stores a Didomi webhook and merges its changes into each user's desired state. A webhook whose
   * {@code (integration, dedupKey)} is already stored changes nothing and completes with {@link
   * IngestOutcome#DUPLICATE}.
   */
  Future<IngestOutcome> ingest(InboundWebhook webhook);

  /**
   * Stores an Actito subscription change (idempotent on its delivery key) and, unless it only
   * echoes what the gateway itself wrote to Actito ({@link IngestOutcome#ECHO}), merges it into the
   * user's state at its arrival time and queues it for Didomi.
   */
  Future<IngestOutcome> ingestActito(ActitoSubscriptionChange change);
}
