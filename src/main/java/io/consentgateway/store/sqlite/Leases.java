package io.consentgateway.store.sqlite;

import io.consentgateway.store.Lease;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lease tokens of the SQLite store, kept in the {@code leased} column of the row they lease (0: not
 * leased). One process owns the file and ends every lease when it opens it, so tokens need only be
 * unique within a run: an increasing counter.
 */
final class Leases {

  private static final AtomicLong LAST = new AtomicLong(1); // 1: what a lease was before tokens

  private Leases() {}

  static Lease next() {
    return new Lease(LAST.incrementAndGet());
  }
}
