package io.consentgateway.store;

import io.vertx.core.Future;
import java.util.List;
import java.util.Set;

/** The store as the Actito dispatcher sees it: users with changes to send, leased one at a time. */
public interface DispatchQueue {

  /**
   * Leases up to {@code limit} users of {@code integration} whose changes are due, oldest schedule
   * first, until {@code leaseMillis} from now: no other claim returns them meanwhile. A lease that
   * is never resolved (crash) expires, and the user is claimed again: delivery is at-least-once.
   * Users in {@code inFlight} (whose outcome is being recorded right now) are left alone.
   */
  Future<List<ClaimedUser>> claimDue(String integration, int limit, long leaseMillis, Set<String> inFlight);

  /**
   * Records what became of a claimed user's dispatch and ends its lease. An outcome whose lease
   * ({@link ClaimedUser#lease()}) is no longer the user's (erased, released, expired and taken by
   * another claim) records nothing.
   */
  Future<Void> record(ClaimedUser user, DispatchOutcome outcome);
}
