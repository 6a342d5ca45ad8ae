package io.consentgateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

class IsoTimestampsTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "2026-11-20T09:15:02.120Z",
      "2026-11-20T09:15:02Z",
      "2026-11-20T09:15:02.1Z",
      "2026-11-20T09:15:02.123456789Z",
      "2026-11-20T10:15:02.120+01:00",
      "2026-11-20T04:15:02.120-05:00",
      "2024-02-29T23:59:59.999Z",
      "1969-12-31T23:59:59.999Z"})
  void readsIsoInstantsLikeJavaTime(String text) {
    // given an ISO-8601 timestamp in one of Didomi's shapes
    // when it is read
    long millis = IsoTimestamps.parseMillis(text);
    // then it is the same instant java.time reads, truncated to the millisecond
    assertThat(millis).isEqualTo(OffsetDateTime.parse(text).toInstant().toEpochMilli());
  }

  @Test
  void readsATimestampWithoutOffsetAsUtc() {
    assertThat(IsoTimestamps.parseMillis("2026-11-20T09:15:02.120"))
        .isEqualTo(Instant.parse("2026-11-20T09:15:02.120Z").toEpochMilli());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "yesterday", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-20T25:00:00Z",
      "2026-11-20", "1700000000", "2026-11-20T09:15:02.1234567891Z"})
  void rejectsWhatIsNotATimestamp(String text) {
    assertThat(IsoTimestamps.parseMillis(text)).isEqualTo(IsoTimestamps.INVALID);
  }

  @Property
  void formatIsTheIsoInstantWithMilliseconds(@ForAll @LongRange(min = -62_135_596_800_000L, max = 253_402_300_799_999L) long millis) {
    String text = IsoTimestamps.format(millis);
    assertThat(Instant.parse(text).toEpochMilli()).isEqualTo(millis);
    assertThat(text).hasSize(24).endsWith("Z");
    assertThat(IsoTimestamps.parseMillis(text)).isEqualTo(millis);
  }
}
