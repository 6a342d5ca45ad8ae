package io.consentgateway.mapping;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * When the gateway last had Actito acknowledge each value of each subscription of one user: an
 * Actito webhook reporting a value the gateway wrote a while ago, but has since replaced, may be
 * the late echo of that write rather than a change made in Actito (see {@link ActitoReportRules}).
 * Mutable, single-threaded like {@link ConsentState}; entries older than the echo window are
 * dropped by {@link #prune}.
 */
public final class RecentWrites {

  /** Millis of the last acknowledged write of {@code true} and of {@code false}; 0 = never. */
  private final Map<String, long[]> bySubscription = new TreeMap<>();

  public static RecentWrites empty() {
    return new RecentWrites();
  }

  /** Records that Actito acknowledged {@code value} for {@code subscription} at {@code atMillis}. */
  public void wrote(String subscription, boolean value, long atMillis) {
    long[] at = bySubscription.computeIfAbsent(subscription, k -> new long[2]);
    at[value ? 0 : 1] = Math.max(at[value ? 0 : 1], atMillis);
  }

  /** Whether the gateway wrote {@code value} for {@code subscription} less than {@code windowMillis} ago. */
  public boolean wroteWithin(String subscription, boolean value, long nowMillis, long windowMillis) {
    long[] at = bySubscription.get(subscription);
    long when = at == null ? 0 : at[value ? 0 : 1];
    return when > 0 && nowMillis - when < windowMillis;
  }

  /** Forgets writes older than {@code windowMillis}. */
  public void prune(long nowMillis, long windowMillis) {
    bySubscription.values().forEach(at -> {
      for (int i = 0; i < 2; i++) {
        if (at[i] > 0 && nowMillis - at[i] >= windowMillis) {
          at[i] = 0;
        }
      }
    });
    bySubscription.values().removeIf(at -> at[0] == 0 && at[1] == 0);
  }

  public boolean isEmpty() {
    return bySubscription.isEmpty();
  }

  /** Subscription → {millis of the last {@code true}, of the last {@code false}}, for the store's codec. */
  public Map<String, long[]> entries() {
    return Collections.unmodifiableMap(bySubscription);
  }

  /** Restores what {@link #entries()} gave. */
  public static RecentWrites of(Map<String, long[]> entries) {
    RecentWrites writes = new RecentWrites();
    entries.forEach((name, at) -> writes.bySubscription.put(name, new long[] {at[0], at[1]}));
    return writes;
  }
}
