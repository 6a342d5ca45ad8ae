package io.consentgateway.remote;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Spans of time (epoch milliseconds) in which no call could be made: a licence blocked (breaker
 * open, key refused, paused after a 429) or the gateway itself not running. The give-up age of a
 * change leaves them out (guarantee 12): {@link #blockedMillis} is how much of a period they cover,
 * overlaps counted once. A span is either closed or open (blocked from its start until {@link
 * #end}); a {@link #union} sums several such records without copying them. Thread-safe.
 */
public final class BlockedTime {

  private static final BlockedTime NONE = new BlockedTime(List.of());

  private final List<BlockedTime> parts;
  private final List<long[]> spans = new ArrayList<>();
  private long openSince = -1;

  public BlockedTime() {
    this(List.of());
  }

  private BlockedTime(List<BlockedTime> parts) {
    this.parts = parts;
  }

  /** Never blocked. */
  public static BlockedTime none() {
    return NONE;
  }

  /** The time any of {@code parts} was blocked, read live. */
  public static BlockedTime union(BlockedTime... parts) {
    return new BlockedTime(List.of(parts));
  }

  /** A span that is over. */
  public synchronized void add(long startMillis, long endMillis) {
    requireLeaf();
    if (endMillis > startMillis) {
      spans.add(new long[] {startMillis, endMillis});
    }
  }

  /** Blocked from {@code startMillis} until {@link #end}; a second begin without an end is ignored. */
  public synchronized void begin(long startMillis) {
    requireLeaf();
    if (openSince < 0) {
      openSince = startMillis;
    }
  }

  /** Ends the open span, if any. */
  public synchronized void end(long endMillis) {
    requireLeaf();
    if (openSince >= 0) {
      long start = openSince;
      openSince = -1;
      add(start, Math.max(start, endMillis));
    }
  }

  /** Forgets the spans that ended before {@code beforeMillis}: no change can be that old. */
  public synchronized void prune(long beforeMillis) {
    spans.removeIf(span -> span[1] < beforeMillis);
    for (BlockedTime part : parts) {
      part.prune(beforeMillis);
    }
  }

  /** Milliseconds of {@code [fromMillis, toMillis)} covered by at least one span. */
  public long blockedMillis(long fromMillis, long toMillis) {
    if (toMillis <= fromMillis) {
      return 0;
    }
    List<long[]> clipped = new ArrayList<>();
    collect(fromMillis, toMillis, clipped);
    clipped.sort(Comparator.comparingLong(span -> span[0]));
    long covered = 0;
    long reached = fromMillis;
    for (long[] span : clipped) {
      long start = Math.max(span[0], reached);
      if (span[1] > start) {
        covered += span[1] - start;
        reached = span[1];
      }
    }
    return covered;
  }

  private synchronized void collect(long from, long to, List<long[]> out) {
    for (long[] span : spans) {
      clip(span[0], span[1], from, to, out);
    }
    if (openSince >= 0) {
      clip(openSince, to, from, to, out);
    }
    for (BlockedTime part : parts) {
      part.collect(from, to, out);
    }
  }

  private static void clip(long start, long end, long from, long to, List<long[]> out) {
    long s = Math.max(start, from);
    long e = Math.min(end, to);
    if (e > s) {
      out.add(new long[] {s, e});
    }
  }

  private void requireLeaf() {
    if (!parts.isEmpty() || this == NONE) {
      throw new UnsupportedOperationException("a union or none() is read-only");
    }
  }
}
