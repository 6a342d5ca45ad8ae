package io.consentgateway.store;

import io.vertx.core.Future;

/**
 * The durable heart of the gateway, as the application assembles it: the four roles each part of
 * the gateway sees ({@link Inbox} for the public listener, {@link DispatchQueue} and {@link
 * WriteBackQueue} for the two outbound lanes, {@link BulkQueue} for Actito's mass import, {@link OperatorQueries} for the admin port) plus
 * retention and lifecycle. A store only loads, locks and saves: what a change, an outcome or an
 * Actito report does to a user's state is decided by the plain rules of {@code mapping}, which every
 * store calls.
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
public interface ConsentStore extends Inbox, DispatchQueue, BulkQueue, WriteBackQueue, OperatorQueries {

  /**
   * Deletes up to {@code batch} raw webhooks and history lines older than {@code cutoffMillis},
   * oldest first, in one short transaction; answers how many (fewer than {@code batch}: done for now).
   */
  Future<Integer> prune(long cutoffMillis, int batch);

  /** Writes waiting for the writer, for metrics and back-pressure. */
  int queueDepth();

  /** Whether the store is open and accepting writes. */
  boolean isOpen();

  /** Stops accepting writes, commits what was already queued, and closes the storage. */
  Future<Void> close();
}
