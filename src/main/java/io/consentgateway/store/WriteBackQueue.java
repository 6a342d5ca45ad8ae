package io.consentgateway.store;

import io.vertx.core.Future;
import java.util.List;
import java.util.Set;

/** The store as the Didomi write-back lane sees it: Actito changes queued for Didomi. */
public interface WriteBackQueue {

  /** As {@link DispatchQueue#claimDue}: the oldest pending Didomi write of each user. */
  Future<List<ClaimedDidomiWrite>> claimDidomiWrites(String integration, int limit, long leaseMillis, Set<String> inFlight);

  /** Records what became of a Didomi write-back and ends its lease. */
  Future<Void> record(ClaimedDidomiWrite write, DidomiWriteOutcome outcome);
}
