package io.consentgateway.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Guarantees 3 and 9 on the write-back: overtaken values are dropped, Didomi's echoes recognised. */
class WriteBackRulesTest {

  private static final String USER = "u";

  @Test
  void aWriteBackIsCurrentWhileTheStateHoldsItsValueAtItsStamp() {
    ConsentState desired = ConsentState.empty();
    desired.merge(FieldChanges.ofSubscriptions(USER, 100, Map.of("Newsletter", false, "SmsOffers", true)));

    assertThat(WriteBackRules.current(Map.of("Newsletter", false, "SmsOffers", true), 100, desired))
        .containsOnlyKeys("Newsletter", "SmsOffers");
  }

  @Test
  void aNewerChangeOfTheFieldOvertakesItEvenWithTheSameValue() {
    ConsentState desired = ConsentState.empty();
    desired.merge(FieldChanges.ofSubscriptions(USER, 100, Map.of("Newsletter", false)));
    desired.merge(FieldChanges.ofSubscriptions(USER, 200, Map.of("Newsletter", true)));
    desired.merge(FieldChanges.ofSubscriptions(USER, 300, Map.of("Newsletter", false)));

    assertThat(WriteBackRules.current(Map.of("Newsletter", false), 100, desired)).isEmpty();
  }

  @Test
  void aDidomiWebhookRepeatingAWrittenBackValueIsItsEchoOnce() {
    FieldChanges didomi = FieldChanges.builder(USER, 5_000, 2, 1, 0).subscription("Newsletter", false).build();
    var first = new WriteBackRules.Sent(1, Map.of("Newsletter", false), Set.of(), 4_000L);
    var second = new WriteBackRules.Sent(2, Map.of("Newsletter", false), Set.of(), 4_500L);

    assertThat(WriteBackRules.echoes(didomi, List.of(first, second))).isEqualTo(Map.of(1L, Set.of("Newsletter")));
    var consumed = new WriteBackRules.Sent(1, Map.of("Newsletter", false), Set.of("user:Newsletter"), 4_000L);
    assertThat(WriteBackRules.echoes(didomi, List.of(consumed, second))).isEqualTo(Map.of(2L, Set.of("Newsletter")));
  }

  @Test
  void aDidomiChangeOlderThanTheWriteOrOfAnotherValueIsNoEcho() {
    var written = new WriteBackRules.Sent(1, Map.of("Newsletter", false), Set.of(), 1_000_000L);
    FieldChanges older = FieldChanges.builder(USER, 1_000_000 - WriteBackRules.CLOCK_SKEW_MILLIS - 1, 0, 1, 0)
        .subscription("Newsletter", false).build();
    FieldChanges other = FieldChanges.builder(USER, 2_000_000, 0, 1, 0).subscription("Newsletter", true).build();

    assertThat(WriteBackRules.echoes(older, List.of(written))).isEmpty();
    assertThat(WriteBackRules.echoes(other, List.of(written))).isEmpty();
  }

  @Test
  void aWriteBackInFlightIsEchoedBeforeItsAnswerArrives() {
    var inFlight = new WriteBackRules.Sent(1, Map.of("Newsletter", false), Set.of(), null);
    FieldChanges didomi = FieldChanges.builder(USER, 10, 0, 1, 0).subscription("Newsletter", false).build();

    assertThat(WriteBackRules.echoes(didomi, List.of(inFlight))).containsKey(1L);
  }

  @Test
  void anObservedValueIsNeverAnEcho() {
    var written = new WriteBackRules.Sent(1, Map.of("Newsletter", false), Set.of(), 10L);
    FieldChanges unchanged = FieldChanges.builder(USER, 20, 1, 1, 0).observedStamp(5, 0)
        .subscription("Newsletter", false, true).build();

    assertThat(WriteBackRules.echoes(unchanged, List.of(written))).isEmpty();
  }

  @Test
  void anEventWebhookEchoesOnlyTheWriteBackThatCreatedThatEvent() {
    var written = new WriteBackRules.Sent(1, Map.of("Newsletter", false), Set.of(), 10L, "evt-ours");
    FieldChanges didomi = FieldChanges.builder(USER, 20, 0, 1, 0).subscription("Newsletter", false).build();

    assertThat(WriteBackRules.echoes(didomi, "evt-of-the-user", List.of(written))).isEmpty();
    assertThat(WriteBackRules.echoes(didomi, "evt-ours", List.of(written))).containsKey(1L);
  }

  @Test
  void oneWriteIsEchoedOnceAsAnEventAndOnceAsAUser() {
    var eventEchoed = new WriteBackRules.Sent(1, Map.of("Newsletter", false), Set.of("event:Newsletter"), 10L, "evt-ours");
    FieldChanges didomi = FieldChanges.builder(USER, 20, 0, 1, 0).subscription("Newsletter", false).build();

    assertThat(WriteBackRules.echoes(didomi, null, List.of(eventEchoed))).containsKey(1L);
    assertThat(WriteBackRules.echoes(didomi, "evt-ours", List.of(eventEchoed))).isEmpty();
  }
}
