package io.consentgateway.mapping;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rules of the write-back to Didomi that every store applies (guarantees 3 and 9), plain Java:
 * which values of a queued write-back are still the newest, and which values of a Didomi webhook
 * are only the echo of the gateway's own write-back.
 *
 * <p>A write-back carries the values Actito reported, stamped with their arrival. A newer change
 * of the same field — from Didomi at its own timestamp, or a later Actito change — overtakes it:
 * the overtaken value is dropped, never sent. A Didomi webhook that reports, for a field, the
 * value the gateway is writing or wrote back a moment ago is that write's echo: it carries no
 * choice of its own, and must not count at Didomi's (later) time, where it would overtake an Actito
 * change queued behind it.
 */
public final class WriteBackRules {

  /** How long after a write of the gateway's Actito may still call back with it (recent writes). */
  public static final long ECHO_WINDOW_MILLIS = 60 * 60 * 1000L;

  /**
   * How long after a write-back to Didomi its echo may still come back: Didomi sends its webhook
   * within seconds and retries it for about five minutes.
   */
  public static final long DIDOMI_ECHO_WINDOW_MILLIS = 10 * 60 * 1000L;

  /** Tolerance between Didomi's clock and the gateway's when placing an echo after its write. */
  public static final long CLOCK_SKEW_MILLIS = 2 * 60 * 1000L;

  private WriteBackRules() {}

  /**
   * The values of a write-back stamped {@code stampMillis} that are still the newest: those the
   * user's merged state holds with a part stamped that very stamp (the value, or a fact it is
   * derived from: {@link ConsentState#holdsAt}). The others were overtaken.
   */
  public static Map<String, Boolean> current(Map<String, Boolean> values, long stampMillis, ConsentState desired) {
    Map<String, Boolean> current = new LinkedHashMap<>();
    values.forEach((name, value) -> {
      if (desired.holdsAt(name, value, stampMillis)) {
        current.put(name, value);
      }
    });
    return current;
  }

  /**
   * A write-back to Didomi in flight ({@code writtenAtMillis} null) or written, whose echo may come:
   * its values, and the fields whose echo already came.
   */
  public record Sent(long id, Map<String, Boolean> values, Set<String> echoed, Long writtenAtMillis, String eventId) {
    public Sent {
      values = Map.copyOf(values);
      echoed = Set.copyOf(echoed);
    }

    public Sent(long id, Map<String, Boolean> values, Set<String> echoed, Long writtenAtMillis) {
      this(id, values, echoed, writtenAtMillis, null);
    }
  }

  /**
   * Didomi may echo one write twice: as the event the gateway created, and as the user it changed;
   * each kind echoes a field once. The prefix of {@link Sent#echoed()} entries for a webhook of
   * the event {@code didomiEventId} (null: a user webhook).
   */
  public static String family(String didomiEventId) {
    return didomiEventId == null ? "user:" : "event:";
  }

  /**
   * The subscriptions of {@code change} (a Didomi webhook's changed fields, observations aside)
   * that echo one of the write-backs {@code sent}, oldest first: same field, same value, not echoed
   * yet, and Didomi's change not older than the write (give or take {@link #CLOCK_SKEW_MILLIS}).
   * Each write-back's field echoes once. Answers, per write-back id, the fields it echoed.
   */
  public static Map<Long, Set<String>> echoes(FieldChanges change, List<Sent> sent) {
    return echoes(change, null, sent);
  }

  /**
   * As {@link #echoes(FieldChanges, List)} for the webhook of a Didomi event {@code didomiEventId}
   * (null for a user webhook): an event webhook echoes only the write-back that created that very
   * event; a user webhook, any write-back by value.
   */
  public static Map<Long, Set<String>> echoes(FieldChanges change, String didomiEventId, List<Sent> sent) {
    Objects.requireNonNull(change, "change");
    String family = family(didomiEventId);
    Map<Long, Set<String>> echoed = new HashMap<>();
    // per subscription, what the webhook says of it (a disabled gate, else its selection): the
    // entries of one name are one echo, or none
    for (Map.Entry<String, Boolean> implied : change.impliedSubscriptions().entrySet()) {
      String name = implied.getKey();
      boolean value = implied.getValue();
      for (Sent write : sent) {
        // a write still in flight has no event id yet: its event webhook may come before its answer
        if (didomiEventId != null && write.eventId() != null && !didomiEventId.equals(write.eventId())) {
          continue;
        }
        Set<String> taken = echoed.getOrDefault(write.id(), Set.of());
        if (Boolean.valueOf(value).equals(write.values().get(name)) && !write.echoed().contains(family + name)
            && !taken.contains(name)
            && (write.writtenAtMillis() == null || change.timestampMillis() >= write.writtenAtMillis() - CLOCK_SKEW_MILLIS)) {
          echoed.computeIfAbsent(write.id(), k -> new HashSet<>()).add(name);
          break;
        }
      }
    }
    return echoed;
  }

  /**
   * What a Didomi webhook's echoes come to: {@code dropped}, the subscriptions of the webhook that
   * are echoes and must not count; {@code echoedAfter}, per write-back whose echo came, the {@link
   * Sent#echoed()} entries it holds now (each kind of webhook echoes a field once).
   */
  public record Echoes(Set<String> dropped, Map<Long, Set<String>> echoedAfter) {}

  /** {@link #echoes(FieldChanges, String, List)}, with what the store saves of them. */
  public static Echoes echoesOf(FieldChanges change, String didomiEventId, List<Sent> sent) {
    Map<Long, Set<String>> echoes = echoes(change, didomiEventId, sent);
    String family = family(didomiEventId);
    Set<String> dropped = new TreeSet<>();
    Map<Long, Set<String>> after = new LinkedHashMap<>();
    for (Sent write : sent) {
      Set<String> fields = echoes.get(write.id());
      if (fields != null) {
        Set<String> all = new TreeSet<>(write.echoed());
        fields.forEach(field -> all.add(family + field));
        after.put(write.id(), all);
        dropped.addAll(fields);
      }
    }
    return new Echoes(dropped, after);
  }
}
