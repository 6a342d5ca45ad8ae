package io.consentgateway.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.remote.LicenceStatus.Change;
import io.consentgateway.remote.LicenceStatus.State;
import io.consentgateway.support.TestClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LicenceStatusTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  private final TestClock clock = new TestClock(T0);
  // keys probed after 1 s, at most 5 s apart; 429 pauses of 1 s by default, 10 s at most
  private final LicenceStatus status = new LicenceStatus(clock, Duration.ofSeconds(1), Duration.ofSeconds(5),
      Duration.ofSeconds(1), Duration.ofSeconds(10));

  @Test
  void aRefusedKeyIsProbedAfterOneSecondThenTwiceAsLongAfterEachRefusalUpToTheCap() {
    var first = status.keyRefused("401");

    assertThat(first.change()).isEqualTo(Change.STARTED);
    assertThat(first.delay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(status.snapshot()).isEqualTo(new LicenceStatus.Snapshot(State.KEY_REFUSED, T0, T0.plusSeconds(1), "401"));
    assertThat(status.keyRefusalHold()).isEqualTo(Duration.ofSeconds(1));

    long[] waits = new long[4];
    for (int i = 0; i < waits.length; i++) {
      clock.advance(Duration.ofSeconds(1));
      var again = status.keyRefused("401 again");
      assertThat(again.change()).isEqualTo(Change.NONE);
      waits[i] = again.delay().toSeconds();
    }

    assertThat(waits).containsExactly(2, 4, 5, 5);
    assertThat(status.snapshot().since()).as("the block began at the first refusal").isEqualTo(T0);
    assertThat(status.snapshot().nextProbe()).isEqualTo(clock.instant().plusSeconds(5));
    assertThat(status.keyRefusalHold()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void anAcceptedKeyEndsTheBlockAndTheNextRefusalStartsOverAtTheFirstWait() {
    status.keyRefused("401");
    status.keyRefused("401");

    assertThat(status.keyAccepted()).isEqualTo(Change.ENDED);
    assertThat(status.snapshot().state()).isEqualTo(State.AVAILABLE);
    assertThat(status.snapshot().lastError()).as("kept for the operator").isEqualTo("401");
    assertThat(status.keyRefused("401").delay()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void a429WithRetryAfterPausesTheLicenceForItButNeverLongerThanTheMaximum() {
    var asked = status.rateLimited(Duration.ofSeconds(3), "429");

    assertThat(asked.change()).isEqualTo(Change.STARTED);
    assertThat(asked.delay()).isEqualTo(Duration.ofSeconds(3));
    assertThat(status.snapshot()).isEqualTo(new LicenceStatus.Snapshot(State.RATE_LIMITED, T0, T0.plusSeconds(3), "429"));

    var huge = status.rateLimited(Duration.ofDays(365), "429 for a year");

    assertThat(huge.delay()).isEqualTo(Duration.ofSeconds(10));
    assertThat(status.snapshot().nextProbe()).isEqualTo(T0.plusSeconds(10));
  }

  @Test
  void a429WithoutRetryAfterPausesOneSecondDoubledWhileThe429sRepeat() {
    assertThat(status.rateLimited(null, "429").delay()).isEqualTo(Duration.ofSeconds(1));
    clock.advance(Duration.ofSeconds(1));
    status.pauseEnded();
    assertThat(status.rateLimited(null, "429").delay()).isEqualTo(Duration.ofSeconds(2));
    clock.advance(Duration.ofSeconds(2));
    status.pauseEnded();
    assertThat(status.rateLimited(null, "429").delay()).isEqualTo(Duration.ofSeconds(4));
    clock.advance(Duration.ofSeconds(4));
    status.pauseEnded();

    status.answered(); // any other answer ends the run

    assertThat(status.rateLimited(null, "429").delay()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void thePauseEndsWhenItsTimeHasComeNotBefore() {
    status.rateLimited(Duration.ofSeconds(2), "429");

    clock.advance(Duration.ofMillis(1_999));
    assertThat(status.pauseEnded()).isEqualTo(Change.NONE);
    assertThat(status.blocked()).isTrue();
    assertThat(status.pauseLeft()).isEqualTo(Duration.ofMillis(1));

    clock.advance(Duration.ofMillis(1));
    assertThat(status.pauseEnded()).isEqualTo(Change.ENDED);
    assertThat(status.blocked()).isFalse();
    assertThat(status.blockedSinceMillis()).isEqualTo(-1);
    assertThat(status.pauseLeft()).isZero();
  }

  @Test
  void aBlockLastsFromTheFirstCauseToTheLastOneClearedAndShowsTheSlowestCause() {
    assertThat(status.breakerOpened(Duration.ofSeconds(30), "503")).isEqualTo(Change.STARTED);
    assertThat(status.snapshot()).isEqualTo(new LicenceStatus.Snapshot(State.BREAKER_OPEN, T0, T0.plusSeconds(30), "503"));

    clock.advance(Duration.ofSeconds(5));
    assertThat(status.keyRefused("401").change()).isEqualTo(Change.NONE);
    assertThat(status.snapshot().state()).isEqualTo(State.KEY_REFUSED);

    assertThat(status.breakerClosed()).isEqualTo(Change.NONE);
    assertThat(status.snapshot().state()).isEqualTo(State.KEY_REFUSED);
    assertThat(status.snapshot().since()).isEqualTo(T0);

    clock.advance(Duration.ofSeconds(5));
    assertThat(status.keyAccepted()).isEqualTo(Change.ENDED);
    assertThat(status.snapshot()).isEqualTo(new LicenceStatus.Snapshot(State.AVAILABLE, null, null, "401"));
  }

  @Test
  void aFailedProbeMovesTheNextProbeOnByAPeriod() {
    status.breakerOpened(Duration.ofSeconds(30), "503");
    clock.advance(Duration.ofSeconds(30));

    assertThat(status.breakerOpened(Duration.ofSeconds(30), "still 503")).isEqualTo(Change.NONE);

    assertThat(status.snapshot()).isEqualTo(
        new LicenceStatus.Snapshot(State.BREAKER_OPEN, T0, T0.plusSeconds(60), "still 503"));
  }
}
