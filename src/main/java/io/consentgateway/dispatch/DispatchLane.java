package io.consentgateway.dispatch;

import io.vertx.core.Future;
import java.util.List;
import java.util.Set;

/**
 * One queue of per-user work that the {@link DispatchScheduler} feeds and the {@link
 * DispatchVerticle}s run: an integration's updates to Actito, or its write-backs to Didomi. The
 * scheduler guarantees that a user has at most one item of a lane in flight.
 */
public interface DispatchLane<T> {

  /** Unique among lanes; part of the event-bus addresses. */
  String name();

  String integration();

  /** Items dispatched at once, at most: enough to keep the remote's concurrency busy, bounded. */
  int maxInFlight();

  boolean paused();

  /**
   * Whether a licence the lane calls through is blocked (breaker open, key refused, paused after a
   * 429): the scheduler claims nothing meanwhile, and is woken when the licence is available again.
   */
  default boolean blocked() {
    return false;
  }

  int shards();

  /** Leases up to {@code room} due items, none for a user in {@code inFlight}. */
  Future<List<T>> claim(int room, Set<String> inFlight);

  String userKey(T item);

  /** Sends the item and records its outcome; completes once the outcome is stored. */
  Future<?> dispatch(T item);

  /** Told whenever the number of items in flight changes, for gauges. */
  default void inFlightChanged(int count) {}
}
