package io.consentgateway.store;

import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;

/** The store as the operator API sees it: what one user's story is, what is stuck, and the fixes. */
public interface OperatorQueries {

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

  /** Persists an operator's pause, so that it survives a restart. */
  Future<Void> setPaused(String integration, boolean paused);
}
