package io.consentgateway.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The bidirectional flow's state transitions as plain Java, the same for every store: what an
 * Actito report does to a user, and what the reading of Actito that settles uncertain reports does.
 */
class ActitoReportsTest {

  private static final String ANN = "ann@example.com";

  private static ConsentState state(long at, Map<String, Boolean> subscriptions) {
    ConsentState state = ConsentState.empty();
    state.merge(FieldChanges.ofSubscriptions(ANN, at, subscriptions));
    return state;
  }

  private static ActitoReports.User user(ConsentState desired, ConsentState acknowledged) {
    return new ActitoReports.User(desired, acknowledged, ConsentState.empty(), RecentWrites.empty());
  }

  @Test
  void aChangeMadeInActitoIsMergedAtItsArrivalAndGoesToDidomi() {
    ActitoReports.User ann = user(state(1_000, Map.of("Newsletter", true)), state(1_000, Map.of("Newsletter", true)));

    ActitoReports.Received received = ActitoReports.receive(ANN, Map.of("Newsletter", false), ann, 5_000, Set.of());

    assertThat(received.winners()).containsExactly(Map.entry("Newsletter", false));
    assertThat(received.onlyEchoes()).isFalse();
    assertThat(received.actitoBehind()).isFalse();
    assertThat(ann.desired().subscription("Newsletter")).isFalse();
    assertThat(ann.desired().subscriptionMillis("Newsletter")).isEqualTo(5_000);
    assertThat(ann.acknowledged().subscription("Newsletter")).as("Actito holds what it reported").isFalse();
  }

  @Test
  void whatActitoIsKnownToHoldIsAnEchoAndChangesNothing() {
    ActitoReports.User ann = user(state(1_000, Map.of("Newsletter", true)), state(1_000, Map.of("Newsletter", true)));

    ActitoReports.Received received = ActitoReports.receive(ANN, Map.of("Newsletter", true), ann, 5_000, Set.of());

    assertThat(received.onlyEchoes()).isTrue();
    assertThat(received.echoes()).containsExactly(Map.entry("Newsletter", true));
    assertThat(ann.desired().subscriptionMillis("Newsletter")).isEqualTo(1_000);
  }

  @Test
  void aNewerDidomiChoiceOvertakesTheActitoChangeAndActitoIsSetBack() {
    // Ann subscribed in Didomi at a time later than the Actito report's arrival (stamped in the future)
    ActitoReports.User ann = user(state(9_000, Map.of("Newsletter", true)), state(1_000, Map.of("Newsletter", true)));

    ActitoReports.Received received = ActitoReports.receive(ANN, Map.of("Newsletter", false), ann, 5_000, Set.of());

    assertThat(received.winners()).isEmpty();
    assertThat(received.overtaken()).containsExactly(Map.entry("Newsletter", false));
    assertThat(received.actitoBehind()).as("Actito holds false, Ann wants true").isTrue();
    assertThat(ann.desired().subscription("Newsletter")).isTrue();
  }

  @Test
  void aValueContradictingTheWriteInFlightIsCheckedFirst() {
    ActitoReports.User ann = new ActitoReports.User(state(1_000, Map.of("Newsletter", true)), ConsentState.empty(),
        state(1_000, Map.of("Newsletter", true)), RecentWrites.empty());

    ActitoReports.Received received = ActitoReports.receive(ANN, Map.of("Newsletter", false), ann, 5_000, Set.of());

    assertThat(received.uncertain()).containsExactly(Map.entry("Newsletter", false));
    assertThat(received.winners()).isEmpty();
    assertThat(ann.desired().subscription("Newsletter")).as("nothing counts before the check").isTrue();
  }

  @Test
  void aReportOfAFieldBeingCheckedWaitsForTheSameCheck() {
    ActitoReports.User ann = user(state(1_000, Map.of("Newsletter", true)), state(1_000, Map.of("Newsletter", false)));

    ActitoReports.Received received =
        ActitoReports.receive(ANN, Map.of("Newsletter", false), ann, 5_000, Set.of("Newsletter"));

    assertThat(received.uncertain()).containsExactly(Map.entry("Newsletter", false));
  }

  @Test
  void oneReadingSettlesEveryCheckTogetherNewestWinning() {
    ActitoReports.User ann = user(state(1_000, Map.of("Newsletter", true)), state(1_000, Map.of("Newsletter", true)));
    List<ActitoReports.Check> checks = List.of(
        new ActitoReports.Check(1, Map.of("Newsletter", false), 2_000),
        new ActitoReports.Check(2, Map.of("Newsletter", true), 3_000));

    // Actito holds true: the later report (a change back) counts and wins; the earlier unsubscribe
    // still counts (an unsubscribe wins a tie of doubt) but is overtaken by the change back
    ActitoReports.Settled settled = ActitoReports.settleChecks(ANN, ann, checks, Map.of("Newsletter", true), 4_000);

    assertThat(settled.known()).containsExactly(Map.entry("Newsletter", true));
    assertThat(settled.winners().get(1L)).isEmpty();
    assertThat(settled.winners().get(2L)).containsExactly(Map.entry("Newsletter", true));
    assertThat(ann.desired().subscription("Newsletter")).isTrue();
    assertThat(ann.desired().subscriptionMillis("Newsletter")).isEqualTo(3_000);
  }

  @Test
  void aReportOfAValueTheGatewayJustWroteAgainIsItsEchoNotAChangeToWriteBack() {
    // a re-send after a write in doubt wrote false; its echo joined a check still waiting
    ActitoReports.User ann = user(state(1_000, Map.of("Newsletter", false)), state(1_000, Map.of("Newsletter", false)));
    ann.recent().wrote("Newsletter", false, 3_500);
    List<ActitoReports.Check> checks = List.of(
        new ActitoReports.Check(1, Map.of("Newsletter", true), 2_000),
        new ActitoReports.Check(2, Map.of("Newsletter", false), 3_600));

    ActitoReports.Settled settled = ActitoReports.settleChecks(ANN, ann, checks, Map.of("Newsletter", false), 4_000);

    assertThat(settled.winners().get(1L)).isEmpty();
    assertThat(settled.winners().get(2L)).as("nothing for Didomi: the gateway's own write").isEmpty();
    assertThat(ann.desired().subscriptionMillis("Newsletter")).isEqualTo(1_000);
  }

  @Test
  void aReportOlderThanWhatActitoHoldsWithoutTheGatewaysWriteIsStale() {
    // she unsubscribed (report 1), then subscribed again in Actito (its report still on its way):
    // nothing the gateway wrote explains what Actito holds, so report 1 is not her newest choice
    ActitoReports.User ann = user(state(1_000, Map.of("Newsletter", true)), state(1_000, Map.of("Newsletter", true)));
    List<ActitoReports.Check> checks = List.of(new ActitoReports.Check(1, Map.of("Newsletter", false), 2_000));

    ActitoReports.Settled settled = ActitoReports.settleChecks(ANN, ann, checks, Map.of("Newsletter", true), 4_000);

    assertThat(settled.winners().get(1L)).isEmpty();
    assertThat(settled.dropped().get(1L)).containsExactly(Map.entry("Newsletter", false));
    assertThat(ann.desired().subscription("Newsletter")).isTrue();
  }

  @Test
  void aReportedSubscribeActitoNoLongerHoldsIsDroppedAsAnEcho() {
    ActitoReports.User ann = user(state(1_000, Map.of("Newsletter", false)), state(1_000, Map.of("Newsletter", false)));
    List<ActitoReports.Check> checks = List.of(new ActitoReports.Check(7, Map.of("Newsletter", true), 2_000));

    ActitoReports.Settled settled = ActitoReports.settleChecks(ANN, ann, checks, Map.of("Newsletter", false), 4_000);

    assertThat(settled.dropped().get(7L)).containsExactly(Map.entry("Newsletter", true));
    assertThat(settled.winners().get(7L)).isEmpty();
    assertThat(ann.desired().subscription("Newsletter")).isFalse();
  }

  @Test
  void aDeliveryAcknowledgesWhatWasSentRecordsTheWriteAndClearsItsRefusal() {
    ConsentState desired = state(1_000, Map.of("Newsletter", false, "Sms", true));
    RecentWrites recent = RecentWrites.empty();
    Map<String, String> refused = Map.of(DeliveryRules.subscriptionField("Newsletter"), DeliveryRules.valueText(true),
        DeliveryRules.attributeField("age"), "\"x\"");

    DeliveryRules.Acknowledgement after = DeliveryRules.afterDelivery(ConsentState.empty(), recent, desired,
        List.of("Newsletter"), List.of(), refused, 2_000);

    assertThat(after.acknowledged().subscription("Newsletter")).isFalse();
    assertThat(after.acknowledged().subscription("Sms")).as("not sent, not acknowledged").isNull();
    assertThat(after.recent().wroteWithin("Newsletter", false, 2_500, 1_000)).isTrue();
    assertThat(recent.isEmpty()).as("what the store holds now is not changed").isTrue();
    assertThat(after.clearedRefusals()).containsExactly(DeliveryRules.subscriptionField("Newsletter"));
  }

  @Test
  void whatADispatchSendsIsOnlyWhatItChanges() {
    ConsentState desired = state(1_000, Map.of("Newsletter", false, "Sms", true));
    ConsentState acknowledged = state(500, Map.of("Sms", true));

    ConsentState sending = DeliveryRules.sending(ANN, 3_000, desired, acknowledged, Map.of());

    assertThat(sending.subscriptions()).containsExactly(Map.entry("Newsletter", false));
  }
}
