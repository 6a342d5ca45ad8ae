package io.consentgateway.store;

/** What became of one dispatch of a {@link ClaimedUser}, as the store records it. */
public sealed interface DispatchOutcome {

  /** Actito now holds what the claimed user's update carried, under {@code profileId} (null when unknown). */
  record Delivered(Long profileId) implements DispatchOutcome {}

  /** Nothing differed from what Actito already holds: no call was made. */
  record NothingToSend() implements DispatchOutcome {}

  /** Update-only mode and the profile does not exist: recorded, never retried, never created. */
  record NotInActito(String detail) implements DispatchOutcome {}

  /**
   * Try again at {@code nextAttemptMillis}. {@code countsAsAttempt} is false when the call was never
   * made (breaker open, integration's key refused): waiting then does not bring a dead letter nearer.
   */
  record Retry(long nextAttemptMillis, boolean countsAsAttempt, Integer status, String detail) implements DispatchOutcome {}

  /**
   * No call was made for it: its licence blocked (breaker open, key refused, paused after a 429)
   * while it waited. Its lease ends and it is due again, nothing else changes — no attempt counted,
   * no history line — so an outage writes nothing per user.
   */
  record Released(String detail) implements DispatchOutcome {}

  /** Gave up: a dead letter carrying Actito's answer, replayable by an operator. */
  record DeadLetter(String reason, Integer status, String detail) implements DispatchOutcome {}
}
