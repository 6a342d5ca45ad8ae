package io.consentgateway.store;

import io.vertx.core.Future;
import java.util.List;

/**
 * The spans of time in which no call could be made, kept across restarts so that a change's
 * give-up age counts only time in which calls could be made (guarantee 12): the blocks of each
 * licence (breaker open, key refused, paused after a 429) and the gateway's own downtime, which the
 * store derives from a heartbeat ({@link #alive}) the running gateway writes every few seconds.
 * Futures complete on the caller's context; every write is durable before it completes.
 */
public interface BlockedTimeLog {

  /** The scope of the gateway's own downtime; a licence's spans carry the licence's scope. */
  String GATEWAY = "gateway";

  /** One span; {@code endedAtMillis} null while it lasts. */
  record Span(long id, String scope, String reason, long startedAtMillis, Long endedAtMillis) {}

  /**
   * At start-up, before anything else is recorded: ends the spans the previous run left open at its
   * last heartbeat, records the time from that heartbeat to {@code nowMillis} as the gateway's
   * downtime, forgets the spans that ended before {@code keepSinceMillis} (no change waits that
   * long), takes {@code nowMillis} as the first heartbeat, and answers the spans kept.
   */
  Future<List<Span>> resumeBlockedTime(long nowMillis, long keepSinceMillis);

  /** The heartbeat: the gateway runs at {@code nowMillis}. */
  Future<Void> alive(long nowMillis);

  /** A block of {@code scope} began; answers the span's id. */
  Future<Long> blockStarted(String scope, String reason, long atMillis);

  Future<Void> blockEnded(long spanId, long atMillis);

  /** Forgets the spans that ended before {@code beforeMillis}; answers how many. */
  Future<Integer> pruneBlockedTime(long beforeMillis);
}
