package io.consentgateway.remote;

import io.consentgateway.actito.ActitoTokens;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), () -> 0.999_999);

  @Test
  void ceilingDoublesPerAttemptUpToTheCap() {
    assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(backoff.ceiling(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(backoff.ceiling(4)).isEqualTo(Duration.ofMillis(800));
    assertThat(backoff.ceiling(7)).isEqualTo(Duration.ofSeconds(5));
    assertThat(backoff.ceiling(500)).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void fullJitterSpansZeroToTheCeiling() {
    var low = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), () -> 0.0);

    assertThat(low.delay(3)).isEqualTo(Duration.ZERO);
    assertThat(backoff.delay(3)).isEqualTo(Duration.ofMillis(400));
  }

  @Test
  void retryAfterOverridesTheComputedDelay() {
    assertThat(backoff.delay(1, Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
    assertThat(backoff.delay(1, null)).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void retryAfterIsHonouredOnlyUpToTheCap() {
    assertThat(backoff.delay(1, Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(5));
    assertThat(backoff.delay(1, Duration.ofDays(365))).isEqualTo(Duration.ofSeconds(5));
    assertThat(backoff.delay(1, Duration.ofSeconds(-1))).isEqualTo(Duration.ZERO);
  }

  @Test
  void retryAfterIsReadAsSecondsOrHttpDate() {
    Clock clock = Clock.fixed(Instant.parse("2024-05-01T10:00:00Z"), ZoneOffset.UTC);

    assertThat(Backoff.parseRetryAfter("7", clock)).contains(Duration.ofSeconds(7));
    assertThat(Backoff.parseRetryAfter("Wed, 01 May 2024 10:00:30 GMT", clock)).contains(Duration.ofSeconds(30));
    assertThat(Backoff.parseRetryAfter("soon", clock)).isEmpty();
    assertThat(Backoff.parseRetryAfter(null, clock)).isEmpty();
  }

  @Test
  void expiresInIsReadInSeconds() {
    assertThat(ActitoTokens.parseExpiresIn("900s")).isEqualTo(Duration.ofSeconds(900));
    assertThat(ActitoTokens.parseExpiresIn("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(ActitoTokens.parseExpiresIn(60)).isEqualTo(Duration.ofSeconds(60));
  }
}
