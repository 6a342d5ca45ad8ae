package io.consentgateway.mapping;

import io.consentgateway.webhook.ActitoProfileChange;
import io.consentgateway.webhook.ActitoWebhookParser;
import io.consentgateway.support.TestIntegrations;
import io.consentgateway.support.Examples;
import static io.consentgateway.support.TestIntegrations.known;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgateway.config.SubscriptionMapping;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReverseMapperTest {

  private static final String ANN = "ann.martin@example.com";

  private final ReverseMapper mapper = new ReverseMapper(TestIntegrations.bidirectional("http://didomi"));
  private final ActitoWebhookParser parser = new ActitoWebhookParser("customerId");

  @Test
  void purposeLevelUnsubscribeDisablesThePurpose() {
    var change = parser.parse(Examples.actito("updated-subscription.json")).changes().get(0);

    DidomiConsentEvent event = mapper.map(change, ConsentState.empty()).event().orElseThrow();

    JsonObject body = new JsonObject(event.json());
    assertThat(body.getJsonObject("user").getString("organization_user_id")).isEqualTo(ANN);
    assertThat(body.getString("id")).isEqualTo(event.id());
    assertThat(body.getJsonObject("consents").getJsonArray("purposes"))
        .containsExactly(new JsonObject().put("id", "newsletter").put("enabled", false));
    assertThat(event.subscriptions()).containsExactly(Map.entry("Newsletter", false));
  }

  @Test
  void anActitoChangeStandsForTheFactsItsWriteBackSetsInDidomi() {
    // Didomi holds marketing disabled, with email selected: no offers at all
    var state = known(ANN, Map.of("Newsletter", true));
    state.merge(FieldChanges.builder(ANN, 1_000, 0, 0, 0).gate("SmsOffers", false, false)
        .gate("EmailOffers", false, false).gate("PostOffers", false, false)
        .subscription("EmailOffers", true).build());
    assertThat(state.subscriptions()).containsEntry("EmailOffers", false).containsEntry("SmsOffers", false);

    // she subscribes to SMS offers in Actito: the write-back enables marketing and selects sms only
    FieldChanges facts = mapper.factsOf(ANN, 2_000, Map.of("SmsOffers", true), state);
    assertThat(facts.gates()).containsOnly(
        Map.entry("SmsOffers", true), Map.entry("EmailOffers", true), Map.entry("PostOffers", true));
    assertThat(facts.subscriptions()).containsOnly(
        Map.entry("SmsOffers", true), Map.entry("EmailOffers", false), Map.entry("PostOffers", false));
    var event = map(ANN, Map.of("SmsOffers", true), state);
    assertThat(purposes(event)).containsExactly(new JsonObject().put("id", "marketing").put("enabled", true)
        .put("values", new JsonObject().put("channels", new JsonObject().put("value", "sms"))));

    // merged, the gateway holds what Didomi holds: SMS on, email off (deselected by the write-back)
    state.merge(facts);
    assertThat(state.subscriptions()).containsEntry("SmsOffers", true).containsEntry("EmailOffers", false)
        .containsEntry("PostOffers", false).containsEntry("Newsletter", true);
    assertThat(state.holdsAt("SmsOffers", true, 2_000)).isTrue();
    assertThat(state.holdsAt("SmsOffers", true, 1_000)).isFalse();
  }

  @Test
  void anActitoUnsubscribeOfAValueOnlyDeselectsIt() {
    var state = known(ANN, Map.of("SmsOffers", true, "EmailOffers", true));

    FieldChanges facts = mapper.factsOf(ANN, 2_000, Map.of("SmsOffers", false), state);

    assertThat(facts.gates()).isEmpty(); // the purpose's enabled is left as Didomi holds it
    assertThat(facts.subscriptions()).containsOnly(
        Map.entry("SmsOffers", false), Map.entry("EmailOffers", true), Map.entry("PostOffers", false));
  }

  @Test
  void purposeLevelSubscribeEnablesThePurpose() {
    var event = map(ANN, Map.of("Analytics", true), ConsentState.empty());

    assertThat(purposes(event)).containsExactly(new JsonObject().put("id", "analytics").put("enabled", true));
    assertThat(event.subscriptions()).containsExactly(Map.entry("Analytics", true));
  }

  @Test
  void valueSubscribeAddsToTheSelectionKnownForTheOtherValuesAndEnablesThePurpose() {
    var state = known(ANN, Map.of("EmailOffers", true, "PostOffers", false, "Newsletter", true));

    var event = map(ANN, Map.of("SmsOffers", true), state);

    // enabled: a value chosen under a purpose Didomi holds disabled would otherwise stay off there
    assertThat(purposes(event)).containsExactly(new JsonObject().put("id", "marketing").put("enabled", true)
        .put("values", new JsonObject().put("channels", new JsonObject().put("value", "sms,email"))));
    assertThat(event.subscriptions()).containsExactly(
        Map.entry("SmsOffers", true), Map.entry("EmailOffers", true), Map.entry("PostOffers", false));
  }

  @Test
  void valueUnsubscribeLeavesThePurposeEnabledAsItIs() {
    var event = map(ANN, Map.of("SmsOffers", false), known(ANN, Map.of("SmsOffers", true, "EmailOffers", true)));

    assertThat(purposes(event).getJsonObject(0).containsKey("enabled")).isFalse();
  }

  @Test
  void valueUnsubscribeRemovesItFromTheSelection() {
    var state = known(ANN, Map.of("SmsOffers", true, "EmailOffers", true, "PostOffers", true));

    var event = map(ANN, Map.of("EmailOffers", false), state);

    assertThat(selection(event, "marketing", "channels")).isEqualTo("sms,post");
    assertThat(event.subscriptions()).containsEntry("EmailOffers", false).containsEntry("SmsOffers", true);
  }

  @Test
  void lastValueUnsubscribedGivesAnEmptySelection() {
    var event = map(ANN, Map.of("SmsOffers", false), known(ANN, Map.of("SmsOffers", true)));

    assertThat(selection(event, "marketing", "channels")).isEmpty();
    assertThat(event.subscriptions()).containsOnly(
        Map.entry("SmsOffers", false), Map.entry("EmailOffers", false), Map.entry("PostOffers", false));
  }

  @Test
  void unknownUserStartsFromNothingSelected() {
    var event = map(ANN, Map.of("PostOffers", true), null);

    assertThat(selection(event, "marketing", "channels")).isEqualTo("post");
  }

  @Test
  void unmappedSubscriptionIsSkippedAndReported() {
    var mapping = mapper.map(change(ANN, ordered("Loyalty", true, "Newsletter", true)), ConsentState.empty());

    assertThat(mapping.unmappedSubscriptions()).containsExactly("Loyalty");
    assertThat(purposes(mapping.event().orElseThrow()))
        .containsExactly(new JsonObject().put("id", "newsletter").put("enabled", true));
  }

  @Test
  void nothingMappedGivesAnEmptyResult() {
    var mapping = mapper.map(change(ANN, Map.of("Loyalty", false)), ConsentState.empty());

    assertThat(mapping.isEmpty()).isTrue();
    assertThat(mapping.unmappedSubscriptions()).containsExactly("Loyalty");
    assertThat(mapping.missingUserKey()).isFalse();
  }

  @Test
  void profileWithoutUserKeyGivesAnEmptyResultFlaggedAsSuch() {
    var mapping = mapper.map(change(null, Map.of("Newsletter", false)), ConsentState.empty());

    assertThat(mapping.isEmpty()).isTrue();
    assertThat(mapping.missingUserKey()).isTrue();
  }

  @Test
  void eventIdIsDerivedFromTheDeliveryKey() {
    var first = map(ANN, Map.of("Newsletter", false), null);
    var redelivered = map(ANN, Map.of("Newsletter", false), null);
    var other = mapper.map(new ActitoProfileChange(1, null, ANN, Map.of("Newsletter", false), "hook:1"), null)
        .event().orElseThrow();

    assertThat(redelivered.id()).isEqualTo(first.id());
    assertThat(other.id()).isNotEqualTo(first.id());
    assertThat(first.id()).matches("[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  }

  @Test
  void purposesFollowMappingOrderAndDisabledPurposeRepresentsAllItsMappingsOff() {
    var mappings = List.of(
        new SubscriptionMapping("MarketingAll", "marketing", null, null),
        new SubscriptionMapping("SmsOffers", "marketing", "channels", "sms"),
        new SubscriptionMapping("Newsletter", "newsletter", null, null));
    var withPurposeLevel = new ReverseMapper(TestIntegrations.bidirectional("http://didomi", mappings));

    var event = withPurposeLevel.map(change(ANN, ordered("Newsletter", true, "MarketingAll", false)),
        known(ANN, Map.of("SmsOffers", true))).event().orElseThrow();

    assertThat(purposes(event)).extracting(p -> ((JsonObject) p).getString("id"))
        .containsExactly("marketing", "newsletter");
    assertThat(event.subscriptions()).containsEntry("MarketingAll", false).containsEntry("SmsOffers", false)
        .containsEntry("Newsletter", true);
  }

  @Test
  void knownStateOfAnotherUserIsRefused() {
    assertThatThrownBy(() -> mapper.map(change(ANN, Map.of("Newsletter", true)), known("bob@example.com", Map.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .message().doesNotContain(ANN).doesNotContain("bob");
  }

  // ---- helpers ----

  private DidomiConsentEvent map(String user, Map<String, Boolean> subscriptions, ConsentState known) {
    return mapper.map(change(user, subscriptions), known).event().orElseThrow();
  }

  private static ActitoProfileChange change(String user, Map<String, Boolean> subscriptions) {
    return new ActitoProfileChange(0, 42L, user, subscriptions, "hook:0");
  }

  private static Map<String, Boolean> ordered(String a, boolean on, String b, boolean bOn) {
    var map = new LinkedHashMap<String, Boolean>();
    map.put(a, on);
    map.put(b, bOn);
    return map;
  }

  private static JsonArray purposes(DidomiConsentEvent event) {
    return new JsonObject(event.json()).getJsonObject("consents").getJsonArray("purposes");
  }

  private static String selection(DidomiConsentEvent event, String purpose, String preference) {
    for (Object p : purposes(event)) {
      JsonObject json = (JsonObject) p;
      if (json.getString("id").equals(purpose)) {
        return json.getJsonObject("values").getJsonObject(preference).getString("value");
      }
    }
    throw new AssertionError("no purpose " + purpose);
  }
}
