package io.consentgateway.mapping;

import io.consentgateway.support.TestIntegrations;
import io.consentgateway.support.WebhookBody;
import io.consentgateway.webhook.AttributeValue;
import io.consentgateway.webhook.DidomiWebhookParser;
import io.consentgateway.support.Examples;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.consentgateway.config.IntegrationConfig.OnUserDeleted;
import io.consentgateway.config.MetadataAttributes;
import io.consentgateway.config.SubscriptionMapping;
import java.util.List;
import org.junit.jupiter.api.Test;

class ActitoProfileUpdateTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final DidomiWebhookParser parser = new DidomiWebhookParser();
  private final ConsentMapper mapper = new ConsentMapper(TestIntegrations.acme());

  private ConsentState stateAfter(byte[]... bodies) {
    ConsentState state = ConsentState.empty();
    for (byte[] body : bodies) {
      state.merge(mapper.changesFor(parser.parse(body)));
    }
    return state;
  }

  @Test
  void firstUpdateCarriesEveryDesiredFieldTheUniqueKeyAndTheChangeDate() throws Exception {
    // given the typical event merged into a new user's state, nothing acknowledged yet
    ConsentState desired = stateAfter(Examples.didomi("event.created.json"));
    // when the update is built
    ActitoProfileUpdate update = mapper.updateFor(desired, ConsentState.empty());
    // then the body is the V4 profile body of docs/design.md §2, unique key first
    assertThat(JSON.readTree(update.toJson())).isEqualTo(JSON.readTree("""
        {"attributes":[
           {"name":"customerId","value":"ann.martin@example.com"},
           {"name":"first_name","value":"Ann"},
           {"name":"language","value":"fr"},
           {"name":"loyalty_tier","value":"gold"}],
         "subscriptions":[
           {"name":"Newsletter","subscribe":true},
           {"name":"SmsOffers","subscribe":true},
           {"name":"EmailOffers","subscribe":true},
           {"name":"PostOffers","subscribe":false}],
         "dataCollectionInformation":{"date":"2026-11-20T09:15:02.120Z","source":"Didomi","way":"consent-gateway"}}"""));
    assertThat(update.isEmpty()).isFalse();
  }

  @Test
  void onlyFieldsThatDifferFromWhatActitoAcknowledgedAreSent() {
    // given Actito acknowledged the state after the typical event
    ConsentState acknowledged = stateAfter(Examples.didomi("event.created.json"));
    ConsentState desired = acknowledged.copy();
    // when the user's later update (newsletter off, sms off, tier platinum) is merged
    desired.merge(mapper.changesFor(parser.parse(Examples.didomi("user.updated.json"))));
    ActitoProfileUpdate update = mapper.updateFor(desired, acknowledged);
    // then only what changed is sent, with the unique key
    assertThat(update.subscriptions()).containsExactly(
        entry("Newsletter", false), entry("SmsOffers", false), entry("Analytics", false));
    assertThat(update.attributes()).containsExactly(entry("loyalty_tier", AttributeValue.ofString("platinum")));
    assertThat(update.userUniqueKey()).isEqualTo("customerId");
    assertThat(update.organizationUserId()).isEqualTo("ann.martin@example.com");
  }

  @Test
  void nothingToSendOnceActitoAcknowledgedTheDesiredState() {
    ConsentState desired = stateAfter(Examples.didomi("event.created.json"));

    ActitoProfileUpdate update = mapper.updateFor(desired, desired.copy());

    assertThat(update.isEmpty()).isTrue();
  }

  @Test
  void uniqueKeyIsPresentWhenOnlyASubscriptionChanged() throws Exception {
    ConsentState acknowledged = stateAfter(WebhookBody.eventCreated("2026-11-20T09:00:00Z").purpose("newsletter", true).bytes());
    ConsentState desired = acknowledged.copy();
    desired.merge(mapper.changesFor(parser.parse(
        WebhookBody.eventCreated("2026-11-20T09:30:00Z").purpose("newsletter", false).bytes())));

    JsonNode body = JSON.readTree(mapper.updateFor(desired, acknowledged).toJson());

    assertThat(body.get("attributes")).isEqualTo(JSON.readTree("[{\"name\":\"customerId\",\"value\":\"ann.martin@example.com\"}]"));
    assertThat(body.get("subscriptions")).isEqualTo(JSON.readTree("[{\"name\":\"Newsletter\",\"subscribe\":false}]"));
    assertThat(body.at("/dataCollectionInformation/date").asText()).isEqualTo("2026-11-20T09:30:00.000Z");
  }

  @Test
  void numbersAndBooleansReachActitoAsDidomiSentThem() throws Exception {
    ConsentState desired = stateAfter(WebhookBody.eventCreated("2026-11-20T09:00:00Z")
        .metadata("{\"age\":42,\"score\":1.50,\"big\":12345678901234567890,\"vip\":true}").bytes());

    String body = new String(mapper.updateFor(desired, null).toJson());

    assertThat(body).contains("{\"name\":\"age\",\"value\":42}", "{\"name\":\"score\",\"value\":1.50}",
        "{\"name\":\"big\",\"value\":12345678901234567890}", "{\"name\":\"vip\",\"value\":true}");
  }

  @Test
  void fieldsNoLongerConfiguredAreNotSent() {
    // given a state built under a configuration that mapped more than today's
    ConsentState desired = stateAfter(Examples.didomi("event.created.json"));
    ConsentMapper narrower = new ConsentMapper(TestIntegrations.acme("gdpr", MetadataAttributes.only(List.of("language")),
        OnUserDeleted.IGNORE, List.of(new SubscriptionMapping("Newsletter", "newsletter", null, null))));
    // when the update is built under today's
    ActitoProfileUpdate update = narrower.updateFor(desired, null);
    // then only today's fields are sent
    assertThat(update.subscriptions()).containsOnlyKeys("Newsletter");
    assertThat(update.attributes()).containsOnlyKeys("language");
  }

  @Test
  void emptyDesiredStateHasNoUserToUpdate() {
    assertThatThrownBy(() -> mapper.updateFor(ConsentState.empty(), null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void statesOfDifferentUsersAreRefused() {
    ConsentState ann = stateAfter(Examples.didomi("event.created.json"));
    ConsentState bob = stateAfter(Examples.didomi("event.updated.confirmed.json"));

    assertThatThrownBy(() -> mapper.updateFor(ann, bob)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void stringsAreEscapedInTheBody() throws Exception {
    ConsentState desired = stateAfter(WebhookBody.eventCreated("2026-11-20T09:00:00Z")
        .metadata("{\"name\":\"Ann \\\"the\\\" \\\\ Martin\\n\"}").bytes());

    JsonNode body = JSON.readTree(mapper.updateFor(desired, null).toJson());

    assertThat(body.at("/attributes/1/value").asText()).isEqualTo("Ann \"the\" \\ Martin\n");
  }
}
