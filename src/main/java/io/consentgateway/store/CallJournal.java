package io.consentgateway.store;

import io.vertx.core.Future;
import java.util.List;

/**
 * When each licence's recent calls started, kept across restarts (guarantee 8): a gateway that
 * restarts — a deploy, a crash — must not give the licence a fresh minute while the calls its
 * previous run made in the last one still count at Actito. A second of calls may be lost to a
 * crash (the journal is written once a second); Actito's limit slows such calls rather than
 * refusing them. Futures complete on the caller's context.
 */
public interface CallJournal {

  /** Records that calls of licence {@code scope} started at these times (epoch millis). */
  Future<Void> callsStarted(String scope, List<Long> startedAtMillis);

  /** The start times of the calls of {@code scope} since {@code sinceMillis}, oldest first. */
  Future<List<Long>> callsSince(String scope, long sinceMillis);

  /** Forgets the calls that started before {@code beforeMillis}; answers how many. */
  Future<Integer> pruneCalls(long beforeMillis);
}
