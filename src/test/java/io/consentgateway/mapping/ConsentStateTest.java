package io.consentgateway.mapping;

import io.consentgateway.store.sqlite.ConsentStateCodec;

import io.consentgateway.support.TestIntegrations;
import io.consentgateway.support.WebhookBody;
import io.consentgateway.webhook.AttributeValue;
import io.consentgateway.webhook.DidomiWebhookParser;
import io.consentgateway.support.Examples;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ConsentStateTest {

  private final DidomiWebhookParser parser = new DidomiWebhookParser();
  private static final String USER = "ann.martin@example.com";
  private final ConsentMapper mapper = new ConsentMapper(TestIntegrations.acme());

  private FieldChanges changesFor(WebhookBody body) {
    return mapper.changesFor(parser.parse(body.bytes()));
  }

  private static FieldChanges subscription(String user, long millis, long version, String name, boolean on) {
    return FieldChanges.builder(user, millis, version, 1, 0).subscription(name, on).build();
  }

  private static FieldChanges attribute(String user, long millis, long version, String name, AttributeValue value) {
    return FieldChanges.builder(user, millis, version, 0, 1).attribute(name, value).build();
  }

  @Test
  void aValueStoredBeforeTheFactsCountsAsBothFactsSoAnOldOffStaysOffUnderALaterSelection() {
    // format 2: one value per subscription; SmsOffers off (Didomi: marketing disabled, unknown here)
    ConsentState state = ConsentStateCodec.decode(("{\"v\":2,\"user\":\"u\",\"newest\":1000,"
        + "\"subscriptions\":{\"Newsletter\":[false,1000,0],\"SmsOffers\":[false,1000,0]},\"attributes\":{}}")
        .getBytes(StandardCharsets.UTF_8));
    assertThat(state.legacyValues()).containsExactlyInAnyOrder("Newsletter", "SmsOffers");
    assertThat(ConsentStateCodec.decode(ConsentStateCodec.encode(state))).isEqualTo(state);

    // a later event selects sms only: the purpose may still be disabled, so SMS offers stay off
    state.merge(FieldChanges.builder("u", 2_000, 0, 1, 0).selection("SmsOffers", true, false).build());
    assertThat(state.subscription("SmsOffers")).isFalse();
    // then marketing enabled: the selection counts
    state.merge(FieldChanges.builder("u", 3_000, 0, 0, 0).gate("SmsOffers", true, false).build());
    assertThat(state.subscription("SmsOffers")).isTrue();
    // a purpose-level value is the one value it always was
    state.merge(FieldChanges.builder("u", 2_000, 0, 1, 0).subscription("Newsletter", true).build());
    assertThat(state.subscription("Newsletter")).isTrue();
    assertThat(state.legacyValues()).isEmpty();
  }

  @Test
  void theFactsOfAGatedSubscriptionSurviveTheStoreAndStillDecide() {
    ConsentState state = ConsentState.empty();
    state.merge(FieldChanges.builder("u", 1_000, 0, 2, 0).gate("SmsOffers", false, false)
        .subscription("Newsletter", true).build());
    state.merge(FieldChanges.builder("u", 2_000, 1, 1, 0).subscription("SmsOffers", true).build());
    assertThat(state.subscription("SmsOffers")).as("off while the purpose is disabled").isFalse();

    ConsentState decoded = ConsentStateCodec.decode(ConsentStateCodec.encode(state));
    assertThat(decoded).isEqualTo(state);
    assertThat(decoded.gatedFields()).containsOnlyKeys("SmsOffers");

    decoded.merge(FieldChanges.builder("u", 3_000, 2, 0, 0).gate("SmsOffers", true, false).build());
    assertThat(decoded.subscription("SmsOffers")).as("the selection kept through the store counts again").isTrue();
    assertThat(decoded.holdsAt("SmsOffers", true, 2_000)).isTrue();
    assertThat(decoded.holdsAt("SmsOffers", true, 3_000)).isTrue();
    assertThat(decoded.holdsAt("SmsOffers", false, 3_000)).isFalse();
  }

  @Test
  void newerChangeOverwritesOlderValue() {
    ConsentState state = ConsentState.empty();
    state.merge(changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z").purpose("newsletter", true)));

    boolean changed = state.merge(changesFor(WebhookBody.eventCreated("2026-11-20T09:05:00Z").purpose("newsletter", false)));

    assertThat(changed).isTrue();
    assertThat(state.subscription("Newsletter")).isFalse();
  }

  @Test
  void olderChangeNeverOverwritesNewerValue() {
    // given the newer change arrived first
    ConsentState state = ConsentState.empty();
    state.merge(changesFor(WebhookBody.eventCreated("2026-11-20T09:05:00Z").purpose("newsletter", false)
        .metadata("{\"language\":\"en\"}")));
    // when the older one arrives late
    boolean changed = state.merge(changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z").purpose("newsletter", true)
        .metadata("{\"language\":\"fr\"}")));
    // then nothing changes
    assertThat(changed).isFalse();
    assertThat(state.subscription("Newsletter")).isFalse();
    assertThat(state.attribute("language")).isEqualTo(AttributeValue.ofString("en"));
    assertThat(state.newestChangeMillis()).isEqualTo(Instant.parse("2026-11-20T09:05:00Z").toEpochMilli());
  }

  @Test
  void olderChangeStillFillsFieldsTheNewerOneDidNotTouch() {
    ConsentState state = ConsentState.empty();
    state.merge(changesFor(WebhookBody.eventCreated("2026-11-20T09:05:00Z").purpose("newsletter", false)));

    state.merge(changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z").purpose("newsletter", true)
        .purpose("marketing", true, "channels", "sms")));

    assertThat(state.subscriptions()).containsOnly(entry("Newsletter", false), entry("SmsOffers", true),
        entry("EmailOffers", false), entry("PostOffers", false));
  }

  @Test
  void atEqualTimestampsTheHigherUserVersionWins() {
    ConsentState state = ConsentState.empty();
    state.merge(changesFor(WebhookBody.user("user.updated", "2026-11-20T09:00:00Z", 7).purpose("newsletter", true)));

    state.merge(changesFor(WebhookBody.user("user.updated", "2026-11-20T09:00:00Z", 6).purpose("newsletter", false)));

    assertThat(state.subscription("Newsletter")).isTrue();
  }

  @Test
  void atTheSameStampUnsubscribeWinsWhateverTheArrivalOrder() {
    FieldChanges on = subscription("u", 1_000, 0, "Newsletter", true);
    FieldChanges off = subscription("u", 1_000, 0, "Newsletter", false);

    ConsentState onFirst = ConsentState.empty();
    onFirst.merge(on);
    onFirst.merge(off);
    ConsentState offFirst = ConsentState.empty();
    offFirst.merge(off);
    boolean changed = offFirst.merge(on);

    assertThat(onFirst.subscription("Newsletter")).isFalse();
    assertThat(offFirst.subscription("Newsletter")).isFalse();
    assertThat(changed).isFalse();
    assertThat(onFirst).isEqualTo(offFirst);
  }

  @Test
  void atTheSameStampAttributeValuesResolveTheSameWhateverTheArrivalOrder() {
    FieldChanges fr = attribute("u", 1_000, 2, "language", AttributeValue.ofString("fr"));
    FieldChanges en = attribute("u", 1_000, 2, "language", AttributeValue.ofString("en"));

    ConsentState frFirst = ConsentState.empty();
    frFirst.merge(fr);
    frFirst.merge(en);
    ConsentState enFirst = ConsentState.empty();
    enFirst.merge(en);
    enFirst.merge(fr);

    assertThat(frFirst).isEqualTo(enFirst);
    assertThat(frFirst.attribute("language")).isEqualTo(AttributeValue.ofString("fr"));
  }

  @Test
  void redeliveredChangeChangesNothing() {
    ConsentState state = ConsentState.empty();
    FieldChanges changes = mapper.changesFor(parser.parse(Examples.didomi("event.created.json")));
    assertThat(state.merge(changes)).isTrue();

    assertThat(state.merge(changes)).isFalse();
  }

  @Test
  void emptyChangesLeaveTheStateEmpty() {
    ConsentState state = ConsentState.empty();

    assertThat(state.merge(FieldChanges.none())).isFalse();
    assertThat(state.isEmpty()).isTrue();
    assertThat(state.newestChangeMillis()).isEqualTo(ConsentState.NO_CHANGE);
  }

  @Test
  void pendingEventCountsOnlyOnceConfirmedAndThenAtItsConfirmationTime() {
    // given: 10:00 a pending event subscribes; 10:03 a confirmed event unsubscribes; 10:07 the pending one is confirmed
    WebhookBody pending = WebhookBody.eventCreated("2026-11-20T10:00:00Z").entityId("p").status("pending_approval")
        .purpose("newsletter", true);
    WebhookBody meanwhile = WebhookBody.eventCreated("2026-11-20T10:03:00Z").entityId("m").purpose("newsletter", false);
    WebhookBody confirmed = WebhookBody.eventUpdated("2026-11-20T10:00:00Z", "2026-11-20T10:07:00Z",
        "pending_approval", "confirmed").entityId("p").purpose("newsletter", true);

    ConsentState state = ConsentState.empty();
    state.merge(changesFor(pending));
    assertThat(state.isEmpty()).as("pending is not consent").isTrue();
    state.merge(changesFor(meanwhile));
    assertThat(state.subscription("Newsletter")).isFalse();
    // when the confirmation arrives
    state.merge(changesFor(confirmed));
    // then it wins: it took effect after the 10:03 event
    assertThat(state.subscription("Newsletter")).isTrue();

    // and the confirmation arriving before the 10:03 event gives the same result
    ConsentState reordered = ConsentState.empty();
    reordered.merge(changesFor(confirmed));
    reordered.merge(changesFor(meanwhile));
    reordered.merge(changesFor(pending));
    assertThat(reordered).isEqualTo(state);
  }

  @Test
  void mergingAnotherUsersChangesIsRefused() {
    ConsentState state = ConsentState.empty();
    state.merge(subscription("ann@example.com", 1, 0, "Newsletter", true));

    assertThatThrownBy(() -> state.merge(subscription("bob@example.com", 2, 0, "Newsletter", true)))
        .isInstanceOf(IllegalArgumentException.class)
        .message().doesNotContain("ann@").doesNotContain("bob@");
  }

  @Test
  void copyIsIndependentOfTheOriginal() {
    ConsentState state = ConsentState.empty();
    state.merge(subscription("ann", 1, 0, "Newsletter", true));
    ConsentState copy = state.copy();

    state.merge(subscription("ann", 2, 0, "Newsletter", false));

    assertThat(copy.subscription("Newsletter")).isTrue();
    assertThat(copy.newestChangeMillis()).isEqualTo(1);
  }

  @Test
  void encodedStateDecodesToAnEqualState() {
    ConsentState state = ConsentState.empty();
    state.merge(changesFor(WebhookBody.user("user.updated", "2026-11-20T09:00:00Z", 3).purpose("newsletter", true)
        .purpose("marketing", false)
        .metadata("{\"name\":\"Ann \\\"A\\\" Martin\",\"age\":42,\"ratio\":-1.5e3,\"vip\":false}")));

    ConsentState decoded = ConsentStateCodec.decode(ConsentStateCodec.encode(state));

    assertThat(decoded).isEqualTo(state);
    assertThat(ConsentStateCodec.encode(decoded)).isEqualTo(ConsentStateCodec.encode(state));
    assertThat(decoded.attribute("ratio")).isEqualTo(AttributeValue.ofNumber("-1.5e3"));
    assertThat(decoded.attribute("vip")).isSameAs(AttributeValue.FALSE);
  }

  @Test
  void anObservedValueLosesToEveryChangeWhateverItsTime() {
    // a user.updated repeats a purpose it did not change: the old entity's value, not a choice
    FieldChanges observed = FieldChanges.builder(USER, 3_000, 4, 1, 0).observedStamp(2_000, 3)
        .subscription("Newsletter", true, true).build();
    FieldChanges olderChange = FieldChanges.builder(USER, 1_000, 0, 1, 0).subscription("Newsletter", false).build();

    ConsentState one = ConsentState.empty();
    one.merge(observed);
    one.merge(olderChange);
    ConsentState other = ConsentState.empty();
    other.merge(olderChange);
    other.merge(observed);

    assertThat(one.subscription("Newsletter")).isFalse();
    assertThat(other).isEqualTo(one);
  }

  @Test
  void anObservedValueFillsAFieldNothingElseSet() {
    FieldChanges observed = FieldChanges.builder(USER, 3_000, 4, 0, 1).observedStamp(2_000, 3)
        .attribute("language", AttributeValue.ofString("fr"), true).build();
    ConsentState state = ConsentState.empty();

    assertThat(state.merge(observed)).isTrue();

    assertThat(state.attribute("language")).isEqualTo(AttributeValue.ofString("fr"));
    assertThat(ConsentStateCodec.decode(ConsentStateCodec.encode(state))).isEqualTo(state);
  }

  @Test
  void statesStoredInTheFirstFormatStillDecode() {
    String v1 = "{\"v\":1,\"user\":\"u\",\"newest\":5,\"subscriptions\":{\"A\":[true,5,0]},"
        + "\"attributes\":{\"a\":[\"s\",\"x\",5,0]}}";

    ConsentState state = ConsentStateCodec.decode(v1.getBytes(StandardCharsets.UTF_8));

    assertThat(state.subscription("A")).isTrue();
    assertThat(state.attribute("a")).isEqualTo(AttributeValue.ofString("x"));
  }

  @Test
  void emptyStateRoundTrips() {
    assertThat(ConsentStateCodec.decode(ConsentStateCodec.encode(ConsentState.empty()))).isEqualTo(ConsentState.empty());
  }

  @Test
  void decodeRejectsWhatEncodeNeverWrote() {
    for (String bad : new String[] {"", "[]", "{\"v\":4}",
        "{\"v\":3,\"user\":\"u\",\"gated\":{\"A\":[[true,1,0]]}}",
        "{\"v\":3,\"user\":\"u\",\"gated\":{\"A\":[1,null]}}", "{\"v\":1,\"subscriptions\":{\"A\":[true,1,0]}}",
        "{\"v\":1,\"user\":\"u\",\"subscriptions\":{\"A\":[\"yes\",1,0]}}",
        "{\"v\":1,\"user\":\"u\",\"attributes\":{\"a\":[\"n\",\"1,\\\"x\\\":2\",1,0]}}",
        "{\"v\":1,\"user\":\"u\",\"attributes\":{\"a\":[\"q\",\"1\",1,0]}}"}) {
      assertThatThrownBy(() -> ConsentStateCodec.decode(bad.getBytes(StandardCharsets.UTF_8)))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("not an encoded consent state");
    }
  }
}
