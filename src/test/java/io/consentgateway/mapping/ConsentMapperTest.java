package io.consentgateway.mapping;

import io.consentgateway.support.TestIntegrations;
import io.consentgateway.support.WebhookBody;
import io.consentgateway.webhook.AttributeValue;
import io.consentgateway.webhook.DidomiWebhookParser;
import io.consentgateway.support.Examples;
import static io.consentgateway.support.Examples.didomi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.consentgateway.config.IntegrationConfig.OnUserDeleted;
import io.consentgateway.config.MetadataAttributes;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConsentMapperTest {

  private final DidomiWebhookParser parser = new DidomiWebhookParser();
  private final ConsentMapper mapper = new ConsentMapper(TestIntegrations.acme());

  private FieldChanges changesFor(byte[] body) {
    return mapper.changesFor(parser.parse(body));
  }

  private static long at(String instant) {
    return Instant.parse(instant).toEpochMilli();
  }

  @Test
  void confirmedEventSubscribesEnabledPurposesAndTheSelectedPreferenceValues() {
    // given event.created.json: newsletter on, marketing on with channels "email,sms", analytics null
    // when it is mapped
    FieldChanges changes = changesFor(didomi("event.created.json"));
    // then the purpose mapping and the selected values subscribe, the unselected value unsubscribes
    assertThat(changes.subscriptions()).containsExactly(
        entry("Newsletter", true), entry("SmsOffers", true), entry("EmailOffers", true), entry("PostOffers", false));
    assertThat(changes.organizationUserId()).isEqualTo("ann.martin@example.com");
    assertThat(changes.timestampMillis()).isEqualTo(at("2026-11-20T09:15:02.120Z"));
  }

  @Test
  void enabledNullChangesNothing() {
    FieldChanges changes = changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z")
        .purpose("newsletter", null).purpose("analytics", null).bytes());

    assertThat(changes.isEmpty()).isTrue();
  }

  @Test
  void explicitlyDisabledPurposeUnsubscribesAllItsMappingsWhateverTheSelection() {
    FieldChanges changes = changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z")
        .purpose("marketing", false, "channels", "email,sms").bytes());

    // the selection is kept as a fact of its own; the disabled purpose (the gate) wins over it
    assertThat(changes.subscriptions()).containsExactly(
        entry("SmsOffers", true), entry("EmailOffers", true), entry("PostOffers", false));
    assertThat(changes.gates()).containsExactly(
        entry("SmsOffers", false), entry("EmailOffers", false), entry("PostOffers", false));
    assertThat(changes.impliedSubscriptions()).containsOnly(
        entry("SmsOffers", false), entry("EmailOffers", false), entry("PostOffers", false));
    ConsentState state = ConsentState.empty();
    state.merge(changes);
    assertThat(state.subscriptions()).containsOnly(
        entry("SmsOffers", false), entry("EmailOffers", false), entry("PostOffers", false));
  }

  @Test
  void aPurposeDisabledInOneWebhookKeepsOffTheValueSelectedInALaterOne() {
    // Didomi events are partial: "marketing off" at 09:00, then "sms selected" (enabled not carried)
    // at 09:05 — Didomi then holds marketing disabled with sms selected: no SMS offers
    ConsentState state = ConsentState.empty();
    state.merge(changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z").purpose("marketing", false).bytes()));
    state.merge(changesFor(WebhookBody.eventCreated("2026-11-20T09:05:00Z")
        .purpose("marketing", null, "channels", "sms").bytes()));
    assertThat(state.subscription("SmsOffers")).isFalse();

    // at 09:10 she enables marketing again (no selection carried): the sms selection counts again
    state.merge(changesFor(WebhookBody.eventCreated("2026-11-20T09:10:00Z").purpose("marketing", true).bytes()));
    assertThat(state.subscriptions()).containsOnly(
        entry("SmsOffers", true), entry("EmailOffers", false), entry("PostOffers", false));
  }

  @Test
  void theSameFactsInTheOtherArrivalOrderEndTheSame() {
    ConsentState state = ConsentState.empty();
    state.merge(changesFor(WebhookBody.eventCreated("2026-11-20T09:10:00Z").purpose("marketing", true).bytes()));
    state.merge(changesFor(WebhookBody.eventCreated("2026-11-20T09:05:00Z")
        .purpose("marketing", null, "channels", "sms").bytes()));
    state.merge(changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z").purpose("marketing", false).bytes()));
    assertThat(state.subscriptions()).containsOnly(
        entry("SmsOffers", true), entry("EmailOffers", false), entry("PostOffers", false));
  }

  @Test
  void preferenceValueIsSubscribedIffItIsInTheSelection() {
    FieldChanges changes = changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z")
        .purpose("marketing", true, "channels", " post , emails").bytes());

    assertThat(changes.subscriptions()).containsExactly(
        entry("SmsOffers", false), entry("EmailOffers", false), entry("PostOffers", true));
  }

  @Test
  void emptySelectionUnsubscribesEveryValueOfThePreference() {
    FieldChanges changes = changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z")
        .purpose("marketing", true, "channels", "").bytes());

    assertThat(changes.subscriptions()).containsExactly(
        entry("SmsOffers", false), entry("EmailOffers", false), entry("PostOffers", false));
  }

  @Test
  void enabledPurposeWithoutThePreferenceLeavesItsValueMappingsAsTheyAre() {
    FieldChanges changes = changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z")
        .purpose("marketing", true, "topics", "shoes").bytes());

    // only the gates: the selection of "channels" is not carried
    assertThat(changes.subscriptions()).isEmpty();
    assertThat(changes.gates()).containsOnly(
        entry("SmsOffers", true), entry("EmailOffers", true), entry("PostOffers", true));
    ConsentState state = ConsentState.empty();
    state.merge(changes);
    assertThat(state.subscriptions()).isEmpty();
  }

  @Test
  void preferenceSelectionAppliesEvenWhenThePurposeHasNoChoice() {
    // enabled: null leaves the purpose-level mapping alone; the selection is still a choice (docs/design.md, guarantee 7)
    FieldChanges changes = changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z")
        .purpose("marketing", null, "channels", "sms").bytes());

    assertThat(changes.subscriptions()).containsExactly(
        entry("SmsOffers", true), entry("EmailOffers", false), entry("PostOffers", false));
  }

  @Test
  void purposeWithoutMappingIsIgnored() {
    FieldChanges changes = changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z")
        .purpose("cookies", true).bytes());

    assertThat(changes.isEmpty()).isTrue();
  }

  @Test
  void pendingEventChangesNothing() {
    FieldChanges changes = changesFor(didomi("event.created.pending.json"));

    assertThat(changes.isEmpty()).isTrue();
  }

  @Test
  void eventOfAnUnknownStatusChangesNothing() {
    FieldChanges changes = changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z")
        .status("rejected").purpose("newsletter", true).bytes());

    assertThat(changes.isEmpty()).isTrue();
  }

  @Test
  void confirmationOfAPendingEventAppliesItAtTheConfirmationTime() {
    FieldChanges changes = changesFor(didomi("event.updated.confirmed.json"));

    assertThat(changes.subscriptions()).containsExactly(entry("Newsletter", true));
    assertThat(changes.organizationUserId()).isEqualTo("bob@example.com");
    assertThat(changes.timestampMillis()).isEqualTo(at("2026-11-20T10:07:31Z"));
  }

  @Test
  void eventUpdateThatLeavesItPendingChangesNothing() {
    FieldChanges changes = changesFor(WebhookBody.eventUpdated(
        "2026-11-20T10:00:00Z", "2026-11-20T10:05:00Z", "pending_approval", "pending_approval")
        .purpose("newsletter", true).bytes());

    assertThat(changes.isEmpty()).isTrue();
  }

  @Test
  void otherEventUpdateAppliesAtTheEventsCreatedAt() {
    FieldChanges changes = changesFor(WebhookBody.eventUpdated(
        "2026-11-20T10:00:00Z", "2026-11-20T10:05:00Z", "confirmed", "confirmed")
        .purpose("newsletter", false).bytes());

    assertThat(changes.subscriptions()).containsExactly(entry("Newsletter", false));
    assertThat(changes.timestampMillis()).isEqualTo(at("2026-11-20T10:00:00Z"));
  }

  @Test
  void changeForAnotherRegulationIsIgnored() {
    FieldChanges changes = changesFor(didomi("event.created.cpra.json"));

    assertThat(changes.isEmpty()).isTrue();
  }

  @Test
  void integrationOfAnotherRegulationAppliesItsOwnAndIgnoresGdpr() {
    ConsentMapper cpra = new ConsentMapper(TestIntegrations.acme("cpra", MetadataAttributes.ALL, OnUserDeleted.IGNORE));

    assertThat(cpra.changesFor(parser.parse(didomi("event.created.cpra.json"))).subscriptions())
        .containsExactly(entry("Newsletter", false));
    assertThat(cpra.changesFor(parser.parse(didomi("event.created.json"))).isEmpty()).isTrue();
    // absent regulation means gdpr
    assertThat(cpra.changesFor(parser.parse(WebhookBody.eventCreated("2026-11-20T09:00:00Z")
        .purpose("newsletter", true).bytes())).isEmpty()).isTrue();
  }

  @Test
  void envelopeRegulationDecidesWhichIntegrationAppliesTheChange() {
    ConsentMapper cpra = new ConsentMapper(TestIntegrations.acme("cpra", MetadataAttributes.ALL, OnUserDeleted.IGNORE));

    assertThat(changesFor(didomi("event.created.envelope-cpra.json")).isEmpty()).isTrue();
    assertThat(changesFor(didomi("user.updated.envelope-cpra.json")).isEmpty()).isTrue();
    assertThat(cpra.changesFor(parser.parse(didomi("event.created.envelope-cpra.json"))).subscriptions())
        .containsExactly(entry("Newsletter", false));
  }

  @Test
  void userDeletedUnderUnsubscribeAllAppliesWhateverTheEnvelopesRegulation() {
    // deliberate: a deleted user is deleted for every regulation
    ConsentMapper unsubscribing = new ConsentMapper(
        TestIntegrations.acme("gdpr", MetadataAttributes.ALL, OnUserDeleted.UNSUBSCRIBEALL));
    String cpraDeletion = new String(didomi("user.deleted.json"), java.nio.charset.StandardCharsets.UTF_8)
        .replaceFirst("\\{", "{\"regulation\": \"cpra\",");

    FieldChanges changes = unsubscribing.changesFor(parser.parse(cpraDeletion.getBytes(java.nio.charset.StandardCharsets.UTF_8)));

    assertThat(changes.subscriptions()).containsEntry("Newsletter", false).hasSize(5);
  }

  @Test
  void eventDeletedChangesNothing() {
    assertThat(changesFor(didomi("event.deleted.json")).isEmpty()).isTrue();
  }

  @Test
  void userDeletedChangesNothingByDefault() {
    assertThat(changesFor(didomi("user.deleted.json")).isEmpty()).isTrue();
  }

  @Test
  void userDeletedUnsubscribesEveryMappingUnderUnsubscribeAll() {
    ConsentMapper unsubscribing = new ConsentMapper(
        TestIntegrations.acme("gdpr", MetadataAttributes.ALL, OnUserDeleted.UNSUBSCRIBEALL));

    FieldChanges changes = unsubscribing.changesFor(parser.parse(didomi("user.deleted.json")));

    assertThat(changes.subscriptions()).containsExactly(entry("Newsletter", false), entry("SmsOffers", false),
        entry("EmailOffers", false), entry("PostOffers", false), entry("Analytics", false));
    assertThat(changes.attributes()).isEmpty();
    assertThat(changes.timestampMillis()).isEqualTo(at("2026-11-22T18:40:10Z"));
    assertThat(changes.version()).isEqualTo(4);
  }

  @Test
  void changeWithoutOrganizationUserIdChangesNothing() {
    assertThat(changesFor(didomi("event.created.no-organization-user-id.json")).isEmpty()).isTrue();
  }

  @Test
  void userUpdatedAppliesTheNewEntityWithItsVersion() {
    FieldChanges changes = changesFor(didomi("user.updated.json"));

    assertThat(changes.subscriptions()).containsExactly(entry("Newsletter", false), entry("SmsOffers", false),
        entry("EmailOffers", true), entry("PostOffers", false), entry("Analytics", false));
    assertThat(changes.attributes()).containsEntry("loyalty_tier", AttributeValue.ofString("platinum"));
    assertThat(changes.version()).isEqualTo(4);
  }

  @Test
  void metadataScalarsBecomeAttributesAsTheyAre() {
    FieldChanges changes = changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z")
        .metadata("{\"name\":\"Ann\",\"age\":42,\"ratio\":0.5,\"vip\":true,\"nothing\":null,\"address\":{\"city\":\"Lyon\"}}")
        .bytes());

    assertThat(changes.attributes()).containsExactly(
        entry("name", AttributeValue.ofString("Ann")),
        entry("age", AttributeValue.ofNumber("42")),
        entry("ratio", AttributeValue.ofNumber("0.5")),
        entry("vip", AttributeValue.TRUE));
  }

  @Test
  void nestedMetadataIsNeverSentAndIsCountedEachTime() {
    byte[] body = WebhookBody.eventCreated("2026-11-20T09:00:00Z")
        .metadata("{\"address\":{\"city\":\"Lyon\"},\"tags\":[\"a\"],\"name\":\"Ann\"}").bytes();

    FieldChanges first = changesFor(body);
    changesFor(body);

    assertThat(first.attributes()).containsOnlyKeys("name");
    assertThat(mapper.droppedMetadataValues()).isEqualTo(4);
  }

  @Test
  void metadataAttributesNoneSendsNoAttributes() {
    ConsentMapper none = new ConsentMapper(TestIntegrations.acme("gdpr", MetadataAttributes.NONE, OnUserDeleted.IGNORE));

    FieldChanges changes = none.changesFor(parser.parse(didomi("event.created.json")));

    assertThat(changes.attributes()).isEmpty();
    assertThat(changes.subscriptions()).isNotEmpty();
  }

  @Test
  void metadataAttributesListSendsOnlyTheListedKeys() {
    ConsentMapper listed = new ConsentMapper(TestIntegrations.acme(
        "gdpr", MetadataAttributes.only(List.of("language", "missing")), OnUserDeleted.IGNORE));

    FieldChanges changes = listed.changesFor(parser.parse(didomi("event.created.json")));

    assertThat(changes.attributes()).containsExactly(entry("language", AttributeValue.ofString("fr")));
  }

  @Test
  void metadataKeyNamedLikeTheUniqueKeyNeverOverridesIt() {
    FieldChanges changes = changesFor(WebhookBody.eventCreated("2026-11-20T09:00:00Z")
        .metadata("{\"customerId\":\"someone-else\",\"name\":\"Ann\"}").bytes());

    assertThat(changes.attributes()).containsOnlyKeys("name");
  }

  @Test
  void metadataOnlyChangeStillCarriesTheChangeStamp() {
    FieldChanges changes = changesFor(didomi("user.created.json"));

    assertThat(changes.subscriptions()).isEmpty();
    assertThat(changes.attributes()).containsOnlyKeys("first_name", "language", "loyalty_tier");
    assertThat(changes.version()).isEqualTo(1);
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "sms;sms;true", "email,sms;sms;true", " email , sms ;sms;true", "smsx;sms;false", "xsms;sms;false",
      "email;sms;false", "'';sms;false", "sms,;sms;true", ",sms;sms;true", "s;sms;false"})
  void selectionMatchesWholeValueIdsOnly(String selection, String value, boolean selected) {
    assertThat(ConsentMapper.isSelected(selection, value)).isEqualTo(selected);
  }

  @Test
  void everyFixtureMapsToTheChangeItCallsFor() {
    Map<String, Boolean> eventCreated = Map.of("Newsletter", true, "SmsOffers", true, "EmailOffers", true, "PostOffers", false);
    Map<String, Boolean> userUpdated = Map.of("Newsletter", false, "SmsOffers", false, "EmailOffers", true,
        "PostOffers", false, "Analytics", false);
    Map<String, Map<String, Boolean>> expected = Map.ofEntries(
        entry("event.created.json", eventCreated),
        entry("event.created.flattened.json", eventCreated),
        entry("event.created.cpra.json", Map.of()),
        entry("event.created.envelope-cpra.json", Map.of()),
        entry("event.created.no-organization-user-id.json", Map.of()),
        entry("event.created.pending.json", Map.of()),
        entry("event.deleted.json", Map.of()),
        entry("event.updated.confirmed.json", Map.of("Newsletter", true)),
        entry("event.updated.confirmed.flattened.json", Map.of("Newsletter", true)),
        entry("user.created.json", Map.of()),
        entry("user.deleted.json", Map.of()),
        entry("user.updated.json", userUpdated),
        entry("user.updated.flattened-by-index.json", userUpdated),
        entry("user.updated.envelope-cpra.json", Map.of()));

    assertThat(Examples.didomiNames()).containsExactlyInAnyOrderElementsOf(expected.keySet());
    for (String name : Examples.didomiNames()) {
      assertThat(changesFor(didomi(name)).subscriptions()).as(name).isEqualTo(expected.get(name));
    }
  }

  @Test
  void aUserUpdatedMarksWhatItsOldEntityAlreadyHeldAsObservedNotChanged() {
    ConsentMapper mapper = new ConsentMapper(TestIntegrations.acme());

    FieldChanges changes = mapper.changesFor(new DidomiWebhookParser().parse(Examples.didomi("user.updated.json")));

    // old: newsletter on, channels "email,sms", analytics off; first_name Ann, language fr, tier gold
    // new: newsletter off, channels "email", analytics off; tier platinum
    java.util.Map<String, Boolean> observed = new java.util.LinkedHashMap<>();
    for (int i = 0; i < changes.subscriptionCount(); i++) {
      observed.put(changes.subscriptionName(i), changes.subscriptionObserved(i));
    }
    assertThat(observed).containsEntry("Newsletter", false).containsEntry("SmsOffers", false)
        .containsEntry("EmailOffers", true).containsEntry("PostOffers", true).containsEntry("Analytics", true);
    java.util.Map<String, Boolean> attributes = new java.util.LinkedHashMap<>();
    for (int i = 0; i < changes.attributeCount(); i++) {
      attributes.put(changes.attributeName(i), changes.attributeObserved(i));
    }
    assertThat(attributes).containsEntry("loyalty_tier", false).containsEntry("first_name", true)
        .containsEntry("language", true);
    assertThat(changes.observedMillis()).isEqualTo(java.time.Instant.parse("2026-11-20T09:15:02.120Z").toEpochMilli());
    assertThat(changes.observedVersion()).isEqualTo(3);
  }
}
