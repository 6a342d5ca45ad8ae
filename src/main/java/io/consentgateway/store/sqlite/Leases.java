package io.consentgateway.store.sqlite;

import io.consentgateway.store.Lease;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lease tokens of the SQLite store, kept in the {@code leased} column of the row they lease (0: not
 * leased). One process owns the file and ends every lease when it opens it — but those a bulk
 * execution holds, which outlive a restart: the counter starts above them ({@link #above}).
 */
final class Leases {

  private static final AtomicLong LAST = new AtomicLong(1); // 1: what a lease was before tokens

  private Leases() {}

  /** Tokens handed out from now on are above {@code token}. */
  static void above(long token) {
    LAST.accumulateAndGet(token, Math::max);
  }

  static Lease next() {
    return new Lease(LAST.incrementAndGet());
  }
}
