package io.consentgateway.store;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/** What became of one dispatch of a {@link ClaimedUser}, as the store records it. */
public sealed interface DispatchOutcome {

  /**
   * What a dispatch got through before it ended: Actito accepted the {@code sentSubscriptions} and
   * {@code sentAttributes} of the claimed state (under {@code profileId}, null when unknown), and
   * refused each of {@code refused} on its own.
   */
  record Progress(Long profileId, Set<String> sentSubscriptions, Set<String> sentAttributes, List<RefusedField> refused) {

    public static final Progress NONE = new Progress(null, Set.of(), Set.of(), List.of());

    public Progress {
      sentSubscriptions = Set.copyOf(sentSubscriptions);
      sentAttributes = Set.copyOf(sentAttributes);
      refused = List.copyOf(refused);
    }

    public boolean isEmpty() {
      return sentSubscriptions.isEmpty() && sentAttributes.isEmpty() && refused.isEmpty();
    }

    /** This progress followed by {@code next}'s (a later part of the same dispatch). */
    public Progress then(Progress next) {
      var subscriptions = new java.util.HashSet<>(sentSubscriptions);
      subscriptions.addAll(next.sentSubscriptions);
      var attributes = new java.util.HashSet<>(sentAttributes);
      attributes.addAll(next.sentAttributes);
      var all = new java.util.ArrayList<>(refused);
      all.addAll(next.refused);
      return new Progress(next.profileId != null ? next.profileId : profileId, subscriptions, attributes, all);
    }
  }

  /**
   * One field Actito refused (400/409/422 for this field alone): a dead letter of its own, with
   * Actito's status and answer; the field is not sent again at {@code value} until replayed.
   *
   * @param field {@code subscription:<name>} or {@code attribute:<name>}
   * @param value the refused value, as {@link io.consentgateway.mapping.DeliveryRules#valueText} writes it
   */
  record RefusedField(String field, String value, Integer status, String detail) {
    public RefusedField {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(value, "value");
    }
  }

  /** The dispatch is over: {@code progress} says what Actito took and what it refused. */
  record Delivered(Progress progress) implements DispatchOutcome {
    /** Everything claimed was sent, under {@code profileId}; for tests and simple callers. */
    public static Delivered all(Long profileId, Set<String> subscriptions, Set<String> attributes) {
      return new Delivered(new Progress(profileId, subscriptions, attributes, List.of()));
    }
  }

  /** Nothing differed from what Actito already holds: no call was made. */
  record NothingToSend() implements DispatchOutcome {}

  /** Update-only mode and the profile does not exist: recorded, never retried, never created. */
  record NotInActito(String detail) implements DispatchOutcome {}

  /**
   * Try again at {@code nextAttemptMillis}. {@code countsAsAttempt} is false when the call was never
   * made (breaker open, integration's key refused): waiting then does not bring a dead letter nearer.
   * {@code progress}: what parts of the change got through before the failure. {@code
   * recheckAtMillis}, when not null: the write's fate is unknown (it timed out, or its connection
   * broke) and Actito may still apply it, late; once delivered, the user's whole state is sent
   * again at that time, so that the unknown write cannot outlive a newer one.
   */
  record Retry(long nextAttemptMillis, boolean countsAsAttempt, Integer status, String detail, Progress progress,
      Long recheckAtMillis) implements DispatchOutcome {
    public Retry(long nextAttemptMillis, boolean countsAsAttempt, Integer status, String detail, Progress progress) {
      this(nextAttemptMillis, countsAsAttempt, status, detail, progress, null);
    }

    public Retry(long nextAttemptMillis, boolean countsAsAttempt, Integer status, String detail) {
      this(nextAttemptMillis, countsAsAttempt, status, detail, Progress.NONE);
    }
  }

  /**
   * No call was made for it: its licence blocked (breaker open, key refused, paused after a 429)
   * while it waited. Its lease ends and it is due again, nothing else changes — no attempt counted,
   * no history line — so an outage writes nothing per user.
   */
  record Released(String detail) implements DispatchOutcome {}

  /** Gave up: a dead letter carrying Actito's answer, replayable by an operator. */
  record DeadLetter(String reason, Integer status, String detail) implements DispatchOutcome {}
}
