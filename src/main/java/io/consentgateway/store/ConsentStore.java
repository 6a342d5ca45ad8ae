package io.consentgateway.store;

import io.vertx.core.Future;

/**
 * The durable heart of the gateway: the webhook inbox (idempotency, audit, replay), the per-user
 * merged consent state and which users have changes not yet sent.
 *
 * <p>Contract shared by every implementation (SQLite today, PostgreSQL next):
 *
 * <ul>
 *   <li>{@link #ingest} completes successfully only once the webhook is committed to stable storage
 *       (fsync'd): a caller may acknowledge the webhook then, and not before.
 *   <li>It fails with {@link StoreUnavailableException} when the write cannot be taken (queue full,
 *       store closed, storage error): the caller must answer 503, never 2xx.
 *   <li>A webhook whose {@code (integration, dedupKey)} is already stored changes nothing and
 *       completes with {@link IngestOutcome#DUPLICATE}.
 *   <li>Futures complete on the Vert.x context that called, never on the store's own thread.
 * </ul>
 */
public interface ConsentStore {

  Future<IngestOutcome> ingest(InboundWebhook webhook);

  /** Writes waiting for the writer, for metrics and back-pressure. */
  int queueDepth();

  /** Whether the store is open and accepting writes. */
  boolean isOpen();

  /** Stops accepting writes, commits what was already queued, and closes the storage. */
  Future<Void> close();
}
