package io.consentgateway.mapping;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a subscription change reported by Actito does to one user, and what the reading of Actito
 * that settles the uncertain reports does: the two state transitions of the bidirectional flow,
 * plain Java, the same for every store. A store loads the user ({@link User}) and the reports
 * waiting for their check, calls {@link #receive} or {@link #settleChecks}, and saves what it
 * answers: the user's new state, the write-backs to queue, the checks to finish or drop, and the
 * history lines. Field by field the verdict is {@link ActitoReportRules#classify}; newest wins by
 * {@link WriteBackRules#current}.
 */
public final class ActitoReports {

  private ActitoReports() {}

  /**
   * The user's state as the store holds it: {@code desired} (the merged newest of both systems),
   * {@code acknowledged} (what Actito is known to hold), {@code sending} (what a dispatch in flight
   * sends; empty when none is), {@code recent} (recent acknowledged writes). The transitions update
   * these in place; the store saves them.
   */
  public record User(ConsentState desired, ConsentState acknowledged, ConsentState sending, RecentWrites recent) {

    public static User empty() {
      return new User(ConsentState.empty(), ConsentState.empty(), ConsentState.empty(), RecentWrites.empty());
    }

    /** Whether Actito holds, for one of {@code fields}, another value than the one the user wants. */
    public boolean actitoBehind(Set<String> fields) {
      for (String name : fields) {
        Boolean wanted = desired.subscription(name);
        if (wanted != null && !wanted.equals(acknowledged.subscription(name))) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * What one Actito report came to. {@code echoes}: values that change nothing (the gateway's own
   * write, or what Actito is known to hold); {@code winners}: changes made in Actito that are the
   * user's newest and go to Didomi; {@code overtaken}: changes made in Actito that an newer Didomi
   * change beats (Actito will be set back); {@code uncertain}: values to check against Actito before
   * they count; {@code actitoBehind}: Actito must be sent the user's state again.
   */
  public record Received(Map<String, Boolean> echoes, Map<String, Boolean> winners, Map<String, Boolean> overtaken,
      Map<String, Boolean> uncertain, boolean actitoBehind, boolean changed) {

    /** Nothing in the report counts: the store keeps nothing of it but its idempotency key. */
    public boolean onlyEchoes() {
      return !changed;
    }
  }

  /**
   * Judges the subscriptions Actito reported for the user at {@code arrivalMillis} (the report's
   * only time), with {@code beingChecked} the subscriptions of earlier reports still waiting for
   * their check: what Actito now holds is recorded, the changes made in Actito are merged at their
   * arrival, newest winning.
   */
  public static Received receive(String userKey, Map<String, Boolean> reported, User user, long arrivalMillis,
      Set<String> beingChecked) {
    return receive(userKey, reported, user, arrivalMillis, beingChecked, ActitoChangeFacts.PLAIN);
  }

  /**
   * As {@link #receive(String, Map, User, long, Set)}, a change made in Actito merged as the facts
   * {@code facts} says it stands for (those its write-back sets in Didomi).
   */
  public static Received receive(String userKey, Map<String, Boolean> reported, User user, long arrivalMillis,
      Set<String> beingChecked, ActitoChangeFacts facts) {
    user.recent().prune(arrivalMillis, WriteBackRules.ECHO_WINDOW_MILLIS);
    Map<String, Boolean> echoes = new TreeMap<>();
    Map<String, Boolean> confirms = new TreeMap<>();
    Map<String, Boolean> real = new TreeMap<>();
    Map<String, Boolean> uncertain = new TreeMap<>();
    reported.forEach((name, value) -> {
      switch (ActitoReportRules.classify(name, value, user.desired(), user.acknowledged(), user.sending(), user.recent(),
          arrivalMillis, WriteBackRules.ECHO_WINDOW_MILLIS, beingChecked.contains(name))) {
        case ECHO, NOTHING -> echoes.put(name, value);
        case CONFIRMS -> confirms.put(name, value);
        case REAL -> real.put(name, value);
        case UNCERTAIN -> uncertain.put(name, value);
      }
    });
    if (confirms.isEmpty() && real.isEmpty() && uncertain.isEmpty()) {
      return new Received(echoes, Map.of(), Map.of(), Map.of(), false, false);
    }
    Map<String, Boolean> held = new TreeMap<>(confirms);
    held.putAll(real);
    if (!held.isEmpty()) {
      user.acknowledged().overwrite(FieldChanges.ofSubscriptions(userKey, arrivalMillis, held)); // Actito holds these now
    }
    Map<String, Boolean> winners = Map.of();
    Map<String, Boolean> overtaken = Map.of();
    Set<String> touched = new HashSet<>(real.keySet());
    if (!real.isEmpty()) {
      FieldChanges merged = facts.factsOf(userKey, arrivalMillis, real, user.desired());
      touched.addAll(namesOf(merged));
      user.desired().merge(merged);
      winners = WriteBackRules.current(real, arrivalMillis, user.desired());
      if (winners.size() < real.size()) {
        overtaken = new TreeMap<>(real);
        overtaken.keySet().removeAll(winners.keySet());
      }
    }
    return new Received(echoes, winners, overtaken, uncertain, user.actitoBehind(touched), true);
  }

  /** A report waiting for its check: its id in the store, the values reported, their arrival. */
  public record Check(long id, Map<String, Boolean> subscriptions, long stampMillis) {
    public Check {
      subscriptions = Map.copyOf(subscriptions);
    }
  }

  /**
   * What one reading of Actito settled. {@code known}: what Actito holds of the checked fields;
   * per check, in order, {@code winners} (to write back to Didomi now; empty: the check is dropped)
   * and {@code dropped} (reported values found to be echoes).
   */
  public record Settled(Map<String, Boolean> known, Map<Long, Map<String, Boolean>> winners,
      Map<Long, Map<String, Boolean>> dropped, boolean actitoBehind) {}

  /**
   * Settles every report of the user waiting for its check with the one reading of Actito that
   * {@code held} is ({@link ActitoReportRules#settle}): the reported values that count are merged
   * at their own arrival, newest winning, and the winners go on to Didomi; what Actito holds
   * becomes what it is known to hold. Settling them together, not one by one, keeps a later report
   * — a change back made while an earlier one was checked — from being judged against a state the
   * earlier one left stale.
   */
  public static Settled settleChecks(String userKey, User user, List<Check> checks, Map<String, Boolean> held,
      long nowMillis) {
    return settleChecks(userKey, user, checks, held, nowMillis, ActitoChangeFacts.PLAIN);
  }

  /** As {@link #settleChecks(String, User, List, Map, long)}, changes merged as the facts {@code facts} says. */
  public static Settled settleChecks(String userKey, User user, List<Check> checks, Map<String, Boolean> held,
      long nowMillis, ActitoChangeFacts facts) {
    Set<String> fields = new HashSet<>();
    checks.forEach(check -> fields.addAll(check.subscriptions().keySet()));
    Map<String, Boolean> known = new TreeMap<>();
    fields.forEach(name -> {
      if (held.containsKey(name)) {
        known.put(name, held.get(name));
      }
    });
    if (!known.isEmpty()) {
      user.acknowledged().overwrite(FieldChanges.ofSubscriptions(userKey, nowMillis, known));
    }
    Map<Long, Map<String, Boolean>> counting = new LinkedHashMap<>();
    Map<Long, Map<String, Boolean>> dropped = new LinkedHashMap<>();
    for (Check check : checks) {
      Map<String, Boolean> counts = new TreeMap<>();
      Map<String, Boolean> echoes = new TreeMap<>();
      check.subscriptions().forEach((name, value) -> {
        Boolean now = held.get(name);
        boolean wroteHeld = now != null && user.recent().wroteWithin(name, now, nowMillis, WriteBackRules.ECHO_WINDOW_MILLIS);
        if (!ActitoReportRules.settle(value, now, wroteHeld)) {
          echoes.put(name, value);
        } else if (Boolean.valueOf(value).equals(user.desired().subscription(name))
            && user.recent().wroteWithin(name, value, nowMillis, WriteBackRules.ECHO_WINDOW_MILLIS)) {
          // what the person wants, and what the gateway itself wrote a moment ago (a re-send after
          // a write in doubt, say): its echo, nothing to merge or write back
          echoes.put(name, value);
        } else {
          counts.put(name, value);
        }
      });
      counting.put(check.id(), counts);
      if (!counts.isEmpty()) {
        FieldChanges merged = facts.factsOf(userKey, check.stampMillis(), counts, user.desired());
        fields.addAll(namesOf(merged));
        user.desired().merge(merged);
      }
      if (!echoes.isEmpty()) {
        dropped.put(check.id(), echoes);
      }
    }
    Map<Long, Map<String, Boolean>> winners = new LinkedHashMap<>();
    for (Check check : checks) {
      winners.put(check.id(), WriteBackRules.current(counting.get(check.id()), check.stampMillis(), user.desired()));
    }
    return new Settled(known, winners, dropped, user.actitoBehind(fields));
  }

  // every subscription the facts touch, by its value or its gate
  private static Set<String> namesOf(FieldChanges changes) {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < changes.subscriptionCount(); i++) {
      names.add(changes.subscriptionName(i));
    }
    for (int i = 0; i < changes.gateCount(); i++) {
      names.add(changes.gateName(i));
    }
    return names;
  }
}
