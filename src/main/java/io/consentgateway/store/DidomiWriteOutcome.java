package io.consentgateway.store;

/** What became of one write-back to Didomi, as the store records it. */
public sealed interface DidomiWriteOutcome {

  /** Didomi holds the event (or had already imported it under the same id). */
  /**
   * {@code represents}: what the written event makes Didomi hold of the mapped subscriptions — the
   * values its echo may bring back (guarantee 9), and nothing it did not write.
   */
  record Written(String eventId, String detail, java.util.Map<String, Boolean> represents) implements DidomiWriteOutcome {
    public Written {
      represents = java.util.Map.copyOf(represents);
    }
  }

  /**
   * A write-back to verify: Actito was read, and holds {@code held} (empty when the profile is
   * gone). The store settles which reported values count, and the write-back goes on with those.
   */
  record Checked(java.util.Map<String, Boolean> held, io.consentgateway.mapping.ActitoChangeFacts facts)
      implements DidomiWriteOutcome {
    public Checked {
      held = java.util.Map.copyOf(held);
      java.util.Objects.requireNonNull(facts, "facts");
    }

    public Checked(java.util.Map<String, Boolean> held) {
      this(held, io.consentgateway.mapping.ActitoChangeFacts.PLAIN);
    }
  }

  /** Every value it carried was overtaken by a newer change: nothing written. */
  record Superseded(String detail) implements DidomiWriteOutcome {}

  /** Try again at {@code nextAttemptMillis}; {@code countsAsAttempt} false when no call was made. */
  record Retry(long nextAttemptMillis, boolean countsAsAttempt, String detail) implements DidomiWriteOutcome {}

  /**
   * No call was made for it: a licence it needs blocked while it waited. Its lease ends and it is
   * due again; nothing else is written.
   */
  record Released(String detail) implements DidomiWriteOutcome {}

  /** Gave up: kept as a dead letter, replayable. */
  record DeadLetter(String reason, Integer status, String detail) implements DidomiWriteOutcome {}
}
