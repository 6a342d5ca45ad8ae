package io.consentgateway.store;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The store as the bulk lane sees it: executions of an Actito triggered ETL, each holding the
 * people whose newest state its file carries.
 *
 * <p>The people of an execution are leased to it, durably: a restart does not release them (their
 * newer changes wait until the execution's outcome is recorded, so an import can never land an
 * older value after a newer one). An execution moves {@code PREPARING → TRIGGERING → RUNNING →
 * SUCCESS | WITH_ERROR | FAILED} (or {@code IN_DOUBT} when the trigger's answer was lost), and ends
 * {@code SETTLED} once every person's outcome is recorded. Executions count toward Actito's daily
 * limit from the moment they are triggered, per table, across restarts and nodes.
 */
public interface BulkQueue {

  enum ExecutionState {
    PREPARING, TRIGGERING, RUNNING, SUCCESS, WITH_ERROR, FAILED, IN_DOUBT, SETTLED;

    /** Whether Actito's import is over (or never started): its people can be settled. */
    public boolean ended() {
      return this == SUCCESS || this == WITH_ERROR || this == FAILED;
    }
  }

  /** One execution as the store holds it. */
  record Execution(long id, String integration, String tableKey, ExecutionState state, String executionId, int rows,
      long bytes, long createdAtMillis, Long triggeredAtMillis, Long endedAtMillis, String detail) {}

  /** The fields of one person an execution's file carries (what becomes acknowledged on SUCCESS). */
  record SentFields(Set<String> subscriptions, Set<String> attributes) {
    public SentFields {
      subscriptions = Set.copyOf(subscriptions);
      attributes = Set.copyOf(attributes);
    }
  }

  /** How the people of an ended execution are settled. */
  enum Settlement {
    /** SUCCESS: what the file carried is acknowledged, as a delivery through the API would be. */
    DELIVERED,
    /** Never triggered: nothing of the file can have been applied; the people are due at once. */
    FALL_BACK,
    /**
     * WITH_ERROR or FAILED (no per-row report exists), or a trigger whose fate is unknown once its
     * hold passed: part of the file may have been applied; the people are due at once, and every
     * field of theirs is sent again (a write in doubt), so no value of the file outlives a newer one.
     */
    RESEND
  }

  /** Executions of {@code integration} not yet settled, oldest first. */
  Future<List<Execution>> openExecutions(String integration);

  /** The last {@code limit} executions of {@code integration}, newest first. */
  Future<List<Execution>> recentExecutions(String integration, int limit);

  /** How many executions on {@code tableKey} were triggered at or after {@code sinceMillis}. */
  Future<Integer> triggeredSince(String tableKey, long sinceMillis);

  /** People of {@code integration} due now (not leased, not in a backoff), counted up to {@code cap}. */
  Future<Integer> dueCount(String integration, int cap);

  /** Starts an execution, {@code PREPARING}: answers its id. */
  Future<Long> createExecution(String integration, String tableKey);

  /**
   * Leases up to {@code limit} due people of the execution's integration to it (not those in
   * {@code inFlight}), as {@link DispatchQueue#claimDue} would, but durably and until its outcome.
   */
  Future<List<ClaimedUser>> claimForExecution(long execution, int limit, Set<String> inFlight);

  /** What the file carries for each of these people of the execution. */
  Future<Void> rowsSent(long execution, Map<String, SentFields> rows);

  /** A new state for the execution, with Actito's execution id, the row and byte counts, and a detail when known. */
  Future<Void> updateExecution(long execution, ExecutionState state, String executionId, Integer rows, Long bytes,
      String detail);

  /**
   * Records the outcome of up to {@code limit} people of an ended execution, in one transaction,
   * each with a line in their history naming the execution; answers how many. When none is left
   * the execution becomes {@code SETTLED}. A person's newer changes, merged meanwhile, stay due.
   */
  Future<Integer> settle(long execution, Settlement settlement, String detail, int limit);
}
