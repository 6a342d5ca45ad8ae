package io.consentgateway.store;

import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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

  /**
   * Leases up to {@code limit} users of {@code integration} whose changes are due, oldest schedule
   * first, until {@code leaseMillis} from now: no other claim returns them meanwhile. A lease that
   * is never resolved (crash) expires, and the user is claimed again: delivery is at-least-once.
   * Users in {@code inFlight} (whose outcome is being recorded right now) are left alone.
   */
  Future<List<ClaimedUser>> claimDue(String integration, int limit, long leaseMillis, Set<String> inFlight);

  /**
   * Stores an Actito subscription change (idempotent on its delivery key) and, unless it only
   * echoes what the gateway itself wrote to Actito ({@link IngestOutcome#ECHO}), merges it into the
   * user's state at its arrival time and queues it for Didomi. Durable before it completes.
   */
  Future<IngestOutcome> ingestActito(ActitoSubscriptionChange change);

  /** As {@link #claimDue}, for the write-back queue: the oldest pending Didomi write of each user. */
  Future<List<ClaimedDidomiWrite>> claimDidomiWrites(String integration, int limit, long leaseMillis, Set<String> inFlight);

  /** Records what became of a Didomi write-back and ends its lease. */
  Future<Void> record(ClaimedDidomiWrite write, DidomiWriteOutcome outcome);

  /** Records what became of a claimed user's dispatch and ends its lease. */
  Future<Void> record(ClaimedUser user, DispatchOutcome outcome);

  /** The operator's view of one user, with up to {@code historyLimit} lines of history. */
  Future<Optional<UserRecord>> user(String integration, String userKey, int historyLimit);

  Future<List<DeadLetterEntry>> deadLetters(String integration, int offset, int limit);

  /** Makes dead-lettered users due again (all, or the one given); answers how many. */
  Future<Integer> replayDeadLetters(String integration, String userKeyOrNull);

  /** Forgets a user's dead letter without sending it; answers whether there was one. */
  Future<Boolean> discardDeadLetter(String integration, String userKey);

  Future<IntegrationBacklog> backlog(String integration);

  /**
   * Deletes everything the store holds on the user: state, history, raw webhooks, dead letters,
   * queued write-backs; answers how many rows went (0: nothing was known of the user). A dispatch
   * of the user in flight records nothing afterwards.
   */
  Future<Integer> eraseUser(String integration, String userKey);

  /**
   * Deletes up to {@code batch} raw webhooks and history lines older than {@code cutoffMillis},
   * oldest first, in one short transaction; answers how many (fewer than {@code batch}: done for now).
   */
  Future<Integer> prune(long cutoffMillis, int batch);

  /** Persists an operator's pause, so that it survives a restart. */
  Future<Void> setPaused(String integration, boolean paused);

  /** Writes waiting for the writer, for metrics and back-pressure. */
  int queueDepth();

  /** Whether the store is open and accepting writes. */
  boolean isOpen();

  /** Stops accepting writes, commits what was already queued, and closes the storage. */
  Future<Void> close();
}
