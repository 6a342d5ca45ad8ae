package io.consentgateway.mapping;

/**
 * What a subscription value reported by an Actito webhook means, given what the gateway knows of
 * the user — the echo rule of guarantee 9, which must recognise the gateway's own writes coming
 * back without ever swallowing a change made in Actito. Actito's webhooks carry no time, and the
 * gateway's own writes make Actito call back, sometimes before its answer arrives and sometimes
 * late; so per field:
 *
 * <ul>
 *   <li>the field is being sent right now ({@code sending}): the value being sent is its echo
 *       ({@link Verdict#ECHO}); the value Didomi wants anyway needs nothing ({@link Verdict#NOTHING});
 *       any other value contradicts the write in flight and cannot be placed before or after it
 *       ({@link Verdict#UNCERTAIN});
 *   <li>an earlier report of the field is still being checked: this one can only be judged with it,
 *       by the same check ({@link Verdict#UNCERTAIN}) — what Actito is known to hold is not known
 *       then, and a change back to it is no echo;
 *   <li>otherwise the value Actito is known to hold changes nothing ({@link Verdict#ECHO}); the
 *       value Didomi wants means Actito caught up by itself ({@link Verdict#CONFIRMS}); a value the
 *       gateway wrote within the echo window but has since replaced may be that write's late echo
 *       ({@link Verdict#UNCERTAIN}); anything else is a change made in Actito ({@link Verdict#REAL}).
 * </ul>
 *
 * An uncertain report is settled by reading the profile from Actito once no write of the user is
 * in flight ({@link #settle}).
 */
public final class ActitoReportRules {

  /** The meaning of one reported subscription value. */
  public enum Verdict {
    /** The gateway's own write, or a value Actito is known to hold: nothing to do. */
    ECHO,
    /** Didomi wants that value too, and a write of the field is in flight: nothing to do now. */
    NOTHING,
    /** Actito now holds what Didomi wants: record it as acknowledged, nothing to write back. */
    CONFIRMS,
    /** A change made in Actito: it counts at its arrival, and goes to Didomi if it is the newest. */
    REAL,
    /** Could be a late echo of the gateway's own write, or a change: read Actito before acting. */
    UNCERTAIN
  }

  private ActitoReportRules() {}

  /**
   * @param sending what the user's dispatch in flight sends (empty when none is)
   * @param recent the user's recent acknowledged writes
   * @param echoWindowMillis how long after a write its echo may still arrive
   */
  public static Verdict classify(String subscription, boolean reported, ConsentState desired, ConsentState acknowledged,
      ConsentState sending, RecentWrites recent, long nowMillis, long echoWindowMillis) {
    return classify(subscription, reported, desired, acknowledged, sending, recent, nowMillis, echoWindowMillis, false);
  }

  /** @param beingChecked an earlier report of this subscription waits for its check */
  public static Verdict classify(String subscription, boolean reported, ConsentState desired, ConsentState acknowledged,
      ConsentState sending, RecentWrites recent, long nowMillis, long echoWindowMillis, boolean beingChecked) {
    Boolean inFlight = sending.subscription(subscription);
    Boolean wanted = desired.subscription(subscription);
    if (inFlight != null) {
      if (inFlight == reported) {
        return Verdict.ECHO;
      }
      return Boolean.valueOf(reported).equals(wanted) ? Verdict.NOTHING : Verdict.UNCERTAIN;
    }
    if (beingChecked) {
      return Verdict.UNCERTAIN;
    }
    if (Boolean.valueOf(reported).equals(acknowledged.subscription(subscription))) {
      return Verdict.ECHO;
    }
    if (Boolean.valueOf(reported).equals(wanted)) {
      return Verdict.CONFIRMS;
    }
    return recent.wroteWithin(subscription, reported, nowMillis, echoWindowMillis) ? Verdict.UNCERTAIN : Verdict.REAL;
  }

  /**
   * Whether an uncertain report counts as a change made in Actito, once Actito has been read with
   * no write of the user in flight: yes when Actito still holds the reported value. When it does
   * not, the report was either the late echo of an older write or a change the gateway's own write
   * then overwrote — the two cannot be told apart, and as at any tie an unsubscribe wins: a reported
   * {@code false} still counts, a reported {@code true} is dropped.
   *
   * @param held what Actito holds now, null when the profile or the subscription is absent
   */
  public static boolean settle(boolean reported, Boolean held) {
    return Boolean.valueOf(reported).equals(held) || !reported;
  }

  /**
   * As {@link #settle(boolean, Boolean)}, knowing whether the gateway itself wrote {@code held}
   * within the echo window ({@code gatewayWroteHeld}). When it did not, nothing of the gateway's
   * explains what Actito holds now: a change made in Actito after the reported one did, and the
   * report is stale — dropped, whatever its value (the later change's own report decides).
   */
  public static boolean settle(boolean reported, Boolean held, boolean gatewayWroteHeld) {
    if (held != null && held != reported && !gatewayWroteHeld) {
      return false;
    }
    return settle(reported, held);
  }
}
