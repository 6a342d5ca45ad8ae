package io.consentgateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket itself, on a clock the test moves. */
class FailedAuthThrottleTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final FailedAuthThrottle throttle = new FailedAuthThrottle(6, now::get);

  @Test
  void anAddressIsRefusedOnceItsFailuresAreSpentAndMayTryAgainWhenOneComesBack() {
    for (int i = 0; i < 5; i++) {
      assertThat(throttle.failed("203.0.113.9")).isFalse();
    }
    assertThat(throttle.failed("203.0.113.9")).as("the sixth failure spends the last one").isTrue();
    assertThat(throttle.retryAfterSeconds("203.0.113.9")).isEqualTo(10); // 6 a minute: one every 10 s

    advanceSeconds(4);
    assertThat(throttle.retryAfterSeconds("203.0.113.9")).isEqualTo(6);
    advanceSeconds(6);
    assertThat(throttle.retryAfterSeconds("203.0.113.9")).isZero();
  }

  @Test
  void addressesAreCountedApart() {
    for (int i = 0; i < 6; i++) {
      throttle.failed("203.0.113.9");
    }

    assertThat(throttle.retryAfterSeconds("203.0.113.10")).isZero();
  }

  @Test
  void aFloodOfAddressesIsRememberedWithinABound() {
    for (int i = 0; i < FailedAuthThrottle.MAX_ADDRESSES + 5_000; i++) {
      throttle.failed("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
    }

    assertThat(throttle.trackedAddresses()).isEqualTo(FailedAuthThrottle.MAX_ADDRESSES);
  }

  @Test
  void zeroPerMinuteNeverThrottles() {
    FailedAuthThrottle off = new FailedAuthThrottle(0, now::get);
    for (int i = 0; i < 1_000; i++) {
      off.failed("203.0.113.9");
    }

    assertThat(off.retryAfterSeconds("203.0.113.9")).isZero();
    assertThat(off.trackedAddresses()).isZero();
  }

  private void advanceSeconds(long seconds) {
    now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
  }
}
