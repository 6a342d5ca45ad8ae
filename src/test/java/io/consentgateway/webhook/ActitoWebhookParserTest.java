package io.consentgateway.webhook;

import static io.consentgateway.support.Examples.actito;
import static io.consentgateway.support.Examples.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ActitoWebhookParserTest {

  private final ActitoWebhookParser parser = new ActitoWebhookParser("customerId");

  @Test
  void singlePushFixtureGivesOneChangeWithTheKeyAsAPlainField() {
    ActitoWebhook webhook = parser.parse(actito("updated-subscription.json"));

    assertThat(webhook.id()).isEqualTo("a7c1f3e5-9b2d-4e6f-8a0c-2d4f6b8a0c11");
    assertThat(webhook.changes()).singleElement().satisfies(change -> {
      assertThat(change.index()).isZero();
      assertThat(change.profileId()).isEqualTo(5102L);
      assertThat(change.organizationUserId()).isEqualTo("ann.martin@example.com");
      assertThat(change.subscriptions()).containsExactly(Map.entry("Newsletter", false));
      assertThat(change.deliveryKey()).matches("a7c1f3e5-9b2d-4e6f-8a0c-2d4f6b8a0c11:0:[0-9a-f]{32}");
    });
  }

  @Test
  void bulkPushFixtureGivesOneChangePerProfileWithTheKeyFromAttributes() {
    ActitoWebhook webhook = parser.parse(actito("updated-subscription.bulk.json"));

    assertThat(webhook.changes()).extracting(ActitoProfileChange::index).containsExactly(0, 1);
    assertThat(webhook.changes()).extracting(ActitoProfileChange::organizationUserId)
        .containsExactly("ann.martin@example.com", "bob@example.com");
    assertThat(webhook.changes()).extracting(ActitoProfileChange::profileId).containsExactly(5102L, 5233L);
    assertThat(webhook.changes().get(0).subscriptions()).containsExactly(Map.entry("SmsOffers", true));
    assertThat(webhook.changes().get(1).deliveryKey()).matches("d2e4f6a8-0b1c-4d3e-9f5a-7b9c1d3e5f22:1:[0-9a-f]{32}");
  }

  @Test
  void deliveryKeyIsTheSameForARedeliveredWebhook() {
    var first = parser.parse(actito("updated-subscription.bulk.json"));
    var again = parser.parse(actito("updated-subscription.bulk.json"));

    assertThat(again.changes()).extracting(ActitoProfileChange::deliveryKey)
        .containsExactlyElementsOf(first.changes().stream().map(ActitoProfileChange::deliveryKey).toList());
  }

  @Test
  void profileWithoutTheUniqueKeyIsReportedNotRejected() {
    var webhook = parser.parse(utf8("""
        {"id": "w1", "data": {"profileId": 7, "email": "x@example.com",
          "subscriptions": [{"name": "Newsletter", "subscribe": true}]}}"""));

    assertThat(webhook.changes()).singleElement().satisfies(change -> {
      assertThat(change.hasUserKey()).isFalse();
      assertThat(change.organizationUserId()).isNull();
      assertThat(change.subscriptions()).containsEntry("Newsletter", true);
    });
    assertThat(webhook.changesWithoutUserKey()).isEqualTo(1);
  }

  @Test
  void attributesAsAnObjectNumericKeyAndTextualProfileIdAreAccepted() {
    var webhook = parser.parse(utf8("""
        {"id": "w2", "data": [{"profileId": "12", "attributes": {"customerId": 4711}}]}"""));

    var change = webhook.changes().get(0);
    assertThat(change.organizationUserId()).isEqualTo("4711");
    assertThat(change.profileId()).isEqualTo(12L);
    assertThat(change.subscriptions()).isEmpty();
  }

  @Test
  void plainKeyFieldWinsOverTheAttributesList() {
    var webhook = parser.parse(utf8("""
        {"id": "w3", "data": {"customerId": "plain",
          "attributes": [{"name": "customerId", "value": "listed"}]}}"""));

    assertThat(webhook.changes().get(0).organizationUserId()).isEqualTo("plain");
  }

  @Test
  void repeatedSubscriptionKeepsTheLastValue() {
    var webhook = parser.parse(utf8("""
        {"id": "w4", "data": {"customerId": "u", "subscriptions": [
          {"name": "Newsletter", "subscribe": true}, {"name": "SmsOffers", "subscribe": true},
          {"name": "Newsletter", "subscribe": false}]}}"""));

    assertThat(webhook.changes().get(0).subscriptions())
        .containsExactly(Map.entry("SmsOffers", true), Map.entry("Newsletter", false));
  }

  @Test
  void emptyBulkIsAWebhookWithoutChanges() {
    assertThat(parser.parse(utf8("{\"id\": \"w5\", \"data\": []}")).changes()).isEmpty();
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "{not json                                                         | not valid JSON",
      "[1, 2]                                                            | not a JSON object",
      "{\"id\": \"w\", \"data\": {}}                                    | data is an empty object",
      "{\"data\": {}}                                                    | data is an empty object",
      "{\"id\": \"  \", \"data\": {}}                                    | 'id' must be a non-blank string",
      "{\"id\": 42, \"data\": {}}                                        | 'id' must be a non-blank string",
      "{\"id\": \"w\"}                                                   | 'data' is missing",
      "{\"id\": \"w\", \"data\": \"secret-ish\"}                         | 'data' must be an object or an array",
      "{\"id\": \"w\", \"data\": [{}, 3]}                                | data[1] must be an object",
      "{\"id\": \"w\", \"data\": {\"subscriptions\": {}}}                | data.subscriptions must be an array",
      "{\"id\": \"w\", \"data\": {\"subscriptions\": [\"Newsletter\"]}}  | data.subscriptions[0] must be an object",
      "{\"id\": \"w\", \"data\": {\"subscriptions\": [{\"subscribe\": true}]}}              | data.subscriptions[0].name must be",
      "{\"id\": \"w\", \"data\": [{\"subscriptions\": [{\"name\": \"N\", \"subscribe\": \"no\"}]}]} | data[0].subscriptions[0].subscribe must be a boolean",
      "{\"id\": \"w\", \"data\": {\"attributes\": 3}}                    | data.attributes must be",
      "{\"id\": \"w\", \"data\": {}} trailing                            | not valid JSON",
  })
  void malformedBodyIsRejectedWithAMessageNamingTheProblem(String body, String expected) {
    assertThatThrownBy(() -> parser.parse(utf8(body)))
        .isInstanceOf(InvalidWebhookException.class)
        .hasMessageContaining(expected.trim());
  }

  @Test
  void rejectionMessageNeverQuotesPayloadValues() {
    assertThatThrownBy(() -> parser.parse(utf8("{\"id\": \"w\", \"data\": {\"subscriptions\": "
        + "[{\"name\": \"N\", \"subscribe\": \"ann@example.com\"}]}}")))
        .isInstanceOf(InvalidWebhookException.class)
        .message().doesNotContain("ann@example.com");
    assertThatThrownBy(() -> parser.parse(utf8("{\"id\": \"w\", \"da")))
        .isInstanceOf(InvalidWebhookException.class)
        .message().doesNotContain("\"da");
  }

  @Test
  void emptyBodyIsRejected() {
    assertThatThrownBy(() -> parser.parse(new byte[0])).isInstanceOf(InvalidWebhookException.class)
        .hasMessageContaining("empty body");
  }

  @Test
  void sameWebhookIdForTwoUsersGivesDistinctDeliveryKeys() {
    // given two pushes that reuse one id, each for another user
    var ann = parser.parse(utf8("{\"id\": \"reused\", \"data\": {\"customerId\": \"ann@example.com\"}}"));
    var bob = parser.parse(utf8("{\"id\": \"reused\", \"data\": {\"customerId\": \"bob@example.com\"}}"));
    // then their changes never share a delivery key
    assertThat(ann.changes().get(0).deliveryKey()).isNotEqualTo(bob.changes().get(0).deliveryKey());
  }

  @Test
  void webhookWithoutAnIdIsKeyedByItsBody() {
    // given two id-less pushes for one user that differ in what they report
    String on = "{\"data\": {\"customerId\": \"ann@example.com\", \"subscriptions\": [{\"name\": \"Newsletter\", \"subscribe\": true}]}}";
    String off = on.replace("true", "false");
    // when parsed, then each has its own key, and a byte-identical redelivery the same one
    String onKey = parser.parse(utf8(on)).changes().get(0).deliveryKey();
    assertThat(parser.parse(utf8(off)).changes().get(0).deliveryKey()).isNotEqualTo(onKey);
    assertThat(parser.parse(utf8(on)).changes().get(0).deliveryKey()).isEqualTo(onKey);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "unpaired surrogate         | {\"id\": \"w\", \"data\": {\"customerId\": \"\\ud800\"}}                                         | data.customerId",
      "control character          | {\"id\": \"w\", \"data\": [{\"customerId\": \"ok\"}, {\"customerId\": \"a\\u0001b\"}]}          | data[1].customerId",
      "in an attributes list      | {\"id\": \"w\", \"data\": {\"attributes\": [{\"name\": \"customerId\", \"value\": \"\\udfff\"}]}} | data.attributes[0].value",
      "in an attributes object    | {\"id\": \"w\", \"data\": {\"attributes\": {\"customerId\": \"x\\u009fy\"}}}                        | data.attributes.customerId",
  })
  void unusableUserKeyIsRejectedNamingItsPath(String what, String body, String path) {
    assertThatThrownBy(() -> parser.parse(utf8(body)))
        .isInstanceOf(InvalidWebhookException.class)
        .hasMessageContaining(path.trim());
  }

  @Test
  void userKeyLongerThan255CodePointsIsRejected() {
    assertThatThrownBy(() -> parser.parse(utf8("{\"id\": \"w\", \"data\": {\"customerId\": \"" + "k".repeat(256) + "\"}}")))
        .isInstanceOf(InvalidWebhookException.class)
        .hasMessageContaining("255")
        .message().doesNotContain("kkkk");
  }

  @Test
  void bodyThatIsNotStrictUtf8IsRejected() {
    byte[] body = utf8("{\"id\": \"w\", \"data\": {\"customerId\": \"a__b\"}}");
    int at = new String(body, java.nio.charset.StandardCharsets.UTF_8).indexOf("__");
    body[at] = (byte) 0xC0;
    body[at + 1] = (byte) 0xAF;

    assertThatThrownBy(() -> parser.parse(body)).isInstanceOf(InvalidWebhookException.class).hasMessageContaining("UTF-8");
  }

  @Test
  void deliveryKeyLeavesTheUserKeyOut() {
    var change = parser.parse(actito("updated-subscription.json")).changes().get(0);

    assertThat(change.deliveryKey()).doesNotContain("ann.martin");
  }

  @Test
  void changeToStringLeavesTheUserIdOut() {
    var change = parser.parse(actito("updated-subscription.json")).changes().get(0);

    assertThat(change.toString()).doesNotContain("ann.martin@example.com").contains("present");
  }
}
