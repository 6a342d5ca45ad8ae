package io.consentgateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.config.IntegrationConfig.DispatchConfig;
import io.consentgateway.remote.BlockedTime;
import io.consentgateway.support.TestClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  // an hour of trying, backoff from 1 s to 10 min
  private static final DispatchConfig CONFIG = new DispatchConfig(25, 3_600, 1_000, 600_000, 64);

  private final TestClock clock = new TestClock(T0);
  private final BlockedTime licence = new BlockedTime();
  private final BlockedTime downtime = new BlockedTime();
  private final RetryPolicy policy =
      new RetryPolicy(CONFIG, Duration.ofSeconds(10), BlockedTime.union(licence, downtime), clock);

  @Test
  void twoDaysOfOutageDoNotAgeAChangeSoItsFirstFailureAfterIsRetried() {
    long dirtySince = T0.toEpochMilli();
    licence.add(dirtySince + 60_000, dirtySince + Duration.ofDays(2).toMillis()); // breaker open for two days
    clock.advance(Duration.ofDays(2).plusMinutes(2));

    RetryPolicy.Decision decision = policy.decide(1, dirtySince, true, null, false);

    assertThat(decision.giveUp()).isFalse();
    assertThat(policy.callableMillis(dirtySince, clock.millis())).isEqualTo(Duration.ofMinutes(3).toMillis());
    // what the rule was before: the wall-clock age alone gives up
    assertThat(new RetryPolicy(CONFIG, Duration.ofSeconds(10), BlockedTime.none(), clock)
        .decide(1, dirtySince, true, null, false).giveUp()).isTrue();
  }

  @Test
  void timeTheGatewayWasNotRunningDoesNotCountEither() {
    long dirtySince = T0.toEpochMilli();
    downtime.add(dirtySince + 1_000, dirtySince + Duration.ofHours(5).toMillis());
    clock.advance(Duration.ofHours(5).plusSeconds(30));

    assertThat(policy.decide(0, dirtySince, true, null, false).giveUp()).isFalse();
  }

  @Test
  void onceTheCallableTimeExceedsMaxAgeTheChangeGivesUp() {
    long dirtySince = T0.toEpochMilli();
    licence.add(dirtySince + 60_000, dirtySince + Duration.ofDays(2).toMillis());
    clock.advance(Duration.ofDays(2).plusMinutes(59)); // one minute before, 59 after: 60 callable minutes

    assertThat(policy.decide(1, dirtySince, true, null, false).giveUp()).isFalse();

    clock.advance(Duration.ofSeconds(1));

    assertThat(policy.decide(1, dirtySince, true, null, false).giveUp()).isTrue();
  }

  @Test
  void aFailureThatMadeNoCallNeverGivesUp() {
    clock.advance(Duration.ofDays(30));

    assertThat(policy.decide(24, T0.toEpochMilli(), false, null, false).giveUp()).isFalse();
  }

  @Test
  void aRetryAfterOfAYearIsHonouredOnlyUpToMaxBackoff() {
    RetryPolicy.Decision decision = policy.decide(0, T0.toEpochMilli(), true, Duration.ofDays(365), false);

    assertThat(decision.nextAttemptMillis()).isEqualTo(clock.millis() + 600_000);
  }
}
