package io.consentgateway.mapping;

import static io.consentgateway.mapping.ActitoReportRules.Verdict.CONFIRMS;
import static io.consentgateway.mapping.ActitoReportRules.Verdict.ECHO;
import static io.consentgateway.mapping.ActitoReportRules.Verdict.NOTHING;
import static io.consentgateway.mapping.ActitoReportRules.Verdict.REAL;
import static io.consentgateway.mapping.ActitoReportRules.Verdict.UNCERTAIN;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.mapping.ActitoReportRules.Verdict;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The echo rule of guarantee 9, field by field: the gateway's own writes, and never a real change. */
class ActitoReportRulesTest {

  private static final String USER = "u";
  private static final long NOW = 1_000_000;
  private static final long WINDOW = 60_000;

  private static ConsentState state(Boolean newsletter) {
    ConsentState state = ConsentState.empty();
    if (newsletter != null) {
      state.merge(FieldChanges.ofSubscriptions(USER, 1, Map.of("Newsletter", newsletter)));
    }
    return state;
  }

  private static Verdict classify(boolean reported, Boolean desired, Boolean acknowledged, Boolean sending,
      RecentWrites recent) {
    return ActitoReportRules.classify("Newsletter", reported, state(desired), state(acknowledged), state(sending), recent,
        NOW, WINDOW);
  }

  @Test
  void theValueBeingSentIsItsEcho() {
    assertThat(classify(false, false, true, false, RecentWrites.empty())).isEqualTo(ECHO);
  }

  @Test
  void anotherValueWhileAWriteIsInFlightCannotBeOrderedAndIsCheckedNotSwallowed() {
    // Actito reports what it last acknowledged while the gateway sends the opposite: a user may
    // have changed it back after the write landed
    assertThat(classify(true, false, true, false, RecentWrites.empty())).isEqualTo(UNCERTAIN);
  }

  @Test
  void theValueDidomiWantsWhileAnOlderWriteIsInFlightNeedsNothing() {
    assertThat(classify(true, true, false, false, RecentWrites.empty())).isEqualTo(NOTHING);
  }

  @Test
  void withNothingInFlightTheAcknowledgedValueIsAnEcho() {
    assertThat(classify(true, true, true, null, RecentWrites.empty())).isEqualTo(ECHO);
  }

  @Test
  void actitoReachingWhatDidomiWantsConfirmsIt() {
    assertThat(classify(false, false, true, null, RecentWrites.empty())).isEqualTo(CONFIRMS);
  }

  @Test
  void anyOtherValueIsAChangeMadeInActito() {
    assertThat(classify(false, true, true, null, RecentWrites.empty())).isEqualTo(REAL);
    assertThat(classify(true, null, null, null, RecentWrites.empty())).isEqualTo(REAL);
  }

  @Test
  void aValueTheGatewayWroteWithinTheEchoWindowMayBeALateEcho() {
    RecentWrites recent = RecentWrites.empty();
    recent.wrote("Newsletter", false, NOW - 1_000); // wrote false, then true (acknowledged now)

    assertThat(classify(false, true, true, null, recent)).isEqualTo(UNCERTAIN);
  }

  @Test
  void aWriteOlderThanTheEchoWindowIsNoLongerAnExcuse() {
    RecentWrites recent = RecentWrites.empty();
    recent.wrote("Newsletter", false, NOW - WINDOW);

    assertThat(classify(false, true, true, null, recent)).isEqualTo(REAL);
  }

  @Test
  void anUncertainReportCountsWhenActitoStillHoldsItAndAnUnsubscribeWinsTheTie() {
    assertThat(ActitoReportRules.settle(true, true)).isTrue();
    assertThat(ActitoReportRules.settle(false, false)).isTrue();
    // Actito holds the other value: a late echo or an overwritten change, undecidable
    assertThat(ActitoReportRules.settle(true, false)).isFalse();
    assertThat(ActitoReportRules.settle(false, true)).isTrue();
    assertThat(ActitoReportRules.settle(true, null)).isFalse();
  }

  @Test
  void recentWritesForgetWhatIsOlderThanTheWindow() {
    RecentWrites recent = RecentWrites.empty();
    recent.wrote("Newsletter", true, NOW - WINDOW - 1);
    recent.wrote("SmsOffers", false, NOW - 10);

    recent.prune(NOW, WINDOW);

    assertThat(recent.entries()).containsOnlyKeys("SmsOffers");
    assertThat(RecentWrites.of(recent.entries()).wroteWithin("SmsOffers", false, NOW, WINDOW)).isTrue();
  }
}
