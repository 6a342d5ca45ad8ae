package io.consentgateway.webhook;

import io.consentgateway.support.FlattenedDidomi;
import io.consentgateway.support.Examples;
import static io.consentgateway.support.Examples.didomi;
import static io.consentgateway.support.Examples.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgateway.webhook.DidomiChange.Purpose;
import io.consentgateway.webhook.DidomiChange.Type;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DidomiWebhookParserTest {

  private final DidomiWebhookParser parser = new DidomiWebhookParser();

  private static long at(String instant) {
    return Instant.parse(instant).toEpochMilli();
  }

  static Stream<String> everyFixture() {
    return Examples.didomiNames().stream();
  }

  @ParameterizedTest
  @MethodSource("everyFixture")
  void everySharedFixtureParsesAsTheTypeItsNameSays(String name) {
    // given a Didomi example named <type>[.variant].json
    byte[] body = didomi(name);
    // when it is parsed
    DidomiChange change = parser.parse(body);
    // then its type is the one in its name, and it is stamped and keyed
    String wireType = name.substring(0, name.indexOf('.', name.indexOf('.') + 1));
    assertThat(change.type().wireName()).isEqualTo(wireType);
    assertThat(change.dedupKey()).startsWith(wireType + ":");
    assertThat(change.timestampMillis()).isPositive();
    assertThat(change.organizationId()).isEqualTo("acme-org");
  }

  @Test
  void eventCreatedIsNormalisedWithItsCreatedAtPurposesAndUserMetadata() {
    DidomiChange change = parser.parse(didomi("event.created.json"));

    assertThat(change.type()).isEqualTo(Type.EVENT_CREATED);
    assertThat(change.entityId()).isEqualTo("e1c0a7f2-6b3d-4f8e-9a21-0c5d7e3b4a10");
    assertThat(change.organizationUserId()).isEqualTo("ann.martin@example.com");
    assertThat(change.timestampMillis()).isEqualTo(at("2026-11-20T09:15:02.120Z"));
    assertThat(change.version()).isZero();
    assertThat(change.regulation()).isEqualTo("gdpr");
    assertThat(change.status()).isEqualTo("confirmed");
    assertThat(change.isPending()).isFalse();
    assertThat(change.confirmsPending()).isFalse();
    assertThat(change.purposes()).containsExactly(
        new Purpose("newsletter", true, Map.of()),
        new Purpose("marketing", true, Map.of("channels", "email,sms")),
        new Purpose("analytics", null, Map.of()));
    assertThat(change.metadata()).containsExactly(
        Map.entry("first_name", AttributeValue.ofString("Ann")),
        Map.entry("language", AttributeValue.ofString("fr")),
        Map.entry("loyalty_tier", AttributeValue.ofString("gold")));
    assertThat(change.droppedMetadataKeys()).isEmpty();
  }

  @Test
  void aPurposeEnabledThatIsNoBooleanIsRefusedNotSilentlyDropped() {
    for (String enabled : new String[] {"\"false\"", "0", "{}", "[]"}) {
      String body = "{\"type\":\"event.created\",\"parameters\":{\"entity\":{\"id\":\"e1\",\"created_at\":"
          + "\"2026-11-20T09:00:00Z\",\"user\":{\"organization_user_id\":\"ann\"},\"consents\":{\"purposes\":"
          + "[{\"id\":\"newsletter\",\"enabled\":" + enabled + "}]}}}}";
      assertThatThrownBy(() -> parser.parse(utf8(body))).as(enabled)
          .isInstanceOf(InvalidWebhookException.class).hasMessageContaining("enabled");
    }
    String none = "{\"type\":\"event.created\",\"parameters\":{\"entity\":{\"id\":\"e1\",\"created_at\":"
        + "\"2026-11-20T09:00:00Z\",\"user\":{\"organization_user_id\":\"ann\"},\"consents\":{\"purposes\":"
        + "[{\"id\":\"newsletter\",\"enabled\":null}]}}}}";
    assertThat(parser.parse(utf8(none)).purposes().get(0).enabled()).isNull();
  }

  @Test
  void pendingEventIsMarkedPending() {
    DidomiChange change = parser.parse(didomi("event.created.pending.json"));

    assertThat(change.isPending()).isTrue();
    assertThat(change.organizationUserId()).isEqualTo("bob@example.com");
  }

  @Test
  void confirmationOfAPendingEventCountsAtTheConfirmedEntitysUpdatedAt() {
    DidomiChange change = parser.parse(didomi("event.updated.confirmed.json"));

    assertThat(change.type()).isEqualTo(Type.EVENT_UPDATED);
    assertThat(change.confirmsPending()).isTrue();
    assertThat(change.isPending()).isFalse();
    assertThat(change.timestampMillis()).isEqualTo(at("2026-11-20T10:07:31Z"));
    assertThat(change.purposes()).containsExactly(new Purpose("newsletter", true, Map.of()));
  }

  @Test
  void anotherEventUpdateKeepsTheEventsCreatedAt() {
    // given an event.updated whose old entity was already confirmed
    String body = new String(didomi("event.updated.confirmed.json"))
        .replaceFirst("\"status\": \"pending_approval\"", "\"status\": \"confirmed\"");
    // when it is parsed
    DidomiChange change = parser.parse(utf8(body));
    // then it is not a confirmation and counts at created_at
    assertThat(change.confirmsPending()).isFalse();
    assertThat(change.timestampMillis()).isEqualTo(at("2026-11-20T10:00:00Z"));
  }

  @Test
  void userUpdatedIsTheNewEntityAtItsUpdatedAtAndVersion() {
    DidomiChange change = parser.parse(didomi("user.updated.json"));

    assertThat(change.type()).isEqualTo(Type.USER_UPDATED);
    assertThat(change.timestampMillis()).isEqualTo(at("2026-11-22T18:40:10Z"));
    assertThat(change.version()).isEqualTo(4);
    assertThat(change.organizationUserId()).isEqualTo("ann.martin@example.com");
    assertThat(change.status()).isNull();
    assertThat(change.regulation()).isEqualTo("gdpr");
    assertThat(change.metadata()).containsEntry("loyalty_tier", AttributeValue.ofString("platinum"));
    assertThat(change.purposes()).extracting(Purpose::id, Purpose::enabled).containsExactly(
        org.assertj.core.groups.Tuple.tuple("newsletter", false),
        org.assertj.core.groups.Tuple.tuple("marketing", true),
        org.assertj.core.groups.Tuple.tuple("analytics", false));
    assertThat(change.purposes().get(1).preferenceValues()).containsExactly(Map.entry("channels", "email"));
  }

  @Test
  void userCreatedAndDeletedCarryTheirVersion() {
    assertThat(parser.parse(didomi("user.created.json")).version()).isEqualTo(1);
    DidomiChange deleted = parser.parse(didomi("user.deleted.json"));
    assertThat(deleted.type()).isEqualTo(Type.USER_DELETED);
    assertThat(deleted.version()).isEqualTo(4);
    assertThat(deleted.timestampMillis()).isEqualTo(at("2026-11-22T18:40:10Z"));
  }

  @Test
  void changeWithoutOrganizationUserIdParsesWithNoUser() {
    DidomiChange change = parser.parse(didomi("event.created.no-organization-user-id.json"));

    assertThat(change.organizationUserId()).isNull();
    assertThat(change.purposes()).hasSize(1);
  }

  @Test
  void blankOrganizationUserIdCountsAsNone() {
    DidomiChange change = parser.parse(utf8("""
        {"type":"user.created","parameters":{"entity":{"id":"u","organization_user_id":"  ",
         "updated_at":"2026-01-01T00:00:00Z","version":1}}}"""));

    assertThat(change.organizationUserId()).isNull();
  }

  @Test
  void regulationIsReadLowerCaseAndDefaultsToGdpr() {
    assertThat(parser.parse(didomi("event.created.cpra.json")).regulation()).isEqualTo("cpra");
    assertThat(parser.parse(didomi("event.created.pending.json")).regulation()).isEqualTo("gdpr");
    assertThat(parser.parse(utf8(eventWith("\"regulation\":\"CPRA\"", "[]"))).regulation()).isEqualTo("cpra");
  }

  @Test
  void metadataKeepsScalarsAsTheyAreAndNamesTheNestedKeysItDrops() {
    // given metadata holding every JSON kind
    String body = """
        {"type":"user.updated","parameters":{"new_entity":{"id":"u","organization_user_id":"x",
          "updated_at":"2026-01-01T00:00:00Z","version":2,
          "metadata":{"name":"Ann","age":42,"score":1.50,"vip":true,"optin":false,"gone":null,
                      "address":{"city":"Lyon"},"tags":["a","b"]}}}}""";
    // when it is parsed
    DidomiChange change = parser.parse(utf8(body));
    // then scalars pass unchanged (numbers as their JSON text), null is no value, nested are dropped by name
    assertThat(change.metadata()).containsExactly(
        Map.entry("name", AttributeValue.ofString("Ann")),
        Map.entry("age", AttributeValue.ofNumber("42")),
        Map.entry("score", AttributeValue.ofNumber("1.50")),
        Map.entry("vip", AttributeValue.TRUE),
        Map.entry("optin", AttributeValue.FALSE));
    assertThat(change.droppedMetadataKeys()).containsExactly("address", "tags");
  }

  @Test
  void preferenceValuesAreReadPerPreference() {
    DidomiChange change = parser.parse(utf8(eventWith("", """
        [{"id":"marketing","enabled":true,"values":{"channels":{"value":"email, sms"},"topics":{"value":""},
          "unset":{"value":null},"bare":"a,b"}}]""")));

    assertThat(change.purposes().get(0).preferenceValues()).containsExactly(
        Map.entry("channels", "email, sms"), Map.entry("topics", ""), Map.entry("bare", "a,b"));
  }

  @Test
  void fieldsAreReadInAnyOrderAndUnknownFieldsAreSkipped() {
    DidomiChange change = parser.parse(utf8("""
        {"parameters":{"extra":[1,{"a":2}],"entity":{"consents":{"vendors":{"enabled":["v"]},"purposes":[{"enabled":false,"id":"newsletter","x":{}}]},
          "user":{"metadata":{"k":"v"},"organization_user_id":"u1","id":"d"},"created_at":"2026-01-01T00:00:00Z","id":"e1"}},
         "other":{"deep":[[]]},"type":"event.created"}"""));

    assertThat(change.type()).isEqualTo(Type.EVENT_CREATED);
    assertThat(change.organizationUserId()).isEqualTo("u1");
    assertThat(change.purposes()).containsExactly(new Purpose("newsletter", false, Map.of()));
    assertThat(change.metadata()).containsOnlyKeys("k");
  }

  @Test
  void anAbsentEnabledIsNoChoice() {
    DidomiChange change = parser.parse(utf8(eventWith("", "[{\"id\":\"p\",\"enabled\":null},{\"id\":\"q\"}]")));

    assertThat(change.purposes()).extracting(Purpose::enabled).containsExactly(null, null);
  }

  @Test
  void redeliveredWebhookHasTheSameDedupKey() {
    for (String name : Examples.didomiNames()) {
      assertThat(parser.parse(didomi(name)).dedupKey()).as(name).isEqualTo(parser.parse(didomi(name)).dedupKey());
    }
  }

  @Test
  void everyDistinctFixtureHasADistinctDedupKey() {
    List<String> keys = Examples.didomiNames().stream().map(n -> parser.parse(didomi(n)).dedupKey()).toList();

    assertThat(keys).doesNotHaveDuplicates();
  }

  @Test
  void updateDedupKeyIsReadByItsSourceIdAndEndsWithTheBodyDigest() {
    assertThat(parser.parse(didomi("user.updated.json")).dedupKey()).matches("user\\.updated:chg-5c71d09a:[0-9a-f]{32}");
    assertThat(parser.parse(didomi("event.updated.confirmed.json")).dedupKey()).matches("event\\.updated:chg-3e8f1a2b:[0-9a-f]{32}");
  }

  @Test
  void updateWithoutSourceIdIsReadByItsEntityId() {
    String body = new String(didomi("event.updated.confirmed.json")).replace("\"id\": \"chg-3e8f1a2b\",", "");

    assertThat(parser.parse(utf8(body)).dedupKey()).matches("event\\.updated:p4a9b2c7-1d3e-4f5a-8b6c-7d8e9f0a1b22:[0-9a-f]{32}");
  }

  @Test
  void dedupKeyDigestIsTheTruncatedSha256OfTheExactBytes() throws Exception {
    byte[] body = didomi("event.created.json");
    byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(body);

    assertThat(parser.parse(body).dedupKey()).endsWith(":" + java.util.HexFormat.of().formatHex(sha, 0, 16));
  }

  @Test
  void readablePartOfTheKeyIsPrintableAsciiAndBounded() {
    String body = eventWith("", "[]").replace("\"id\":\"e1\"", "\"id\":\"" + "x\\n\\u00e9".repeat(50) + "\"");

    String key = parser.parse(utf8(body)).dedupKey();

    assertThat(key).matches("event\\.created:[!-~]{64}:[0-9a-f]{32}").startsWith("event.created:x__x__");
  }

  @Test
  void sameEventAtAnotherStatusHasAnotherDedupKey() {
    String pending = eventWith("\"status\":\"pending_approval\"", "[]");
    String confirmed = eventWith("\"status\":\"confirmed\"", "[]");

    assertThat(parser.parse(utf8(pending)).dedupKey()).isNotEqualTo(parser.parse(utf8(confirmed)).dedupKey());
  }

  static Stream<Arguments> invalidBodies() {
    return Stream.of(
        Arguments.of("", "empty body"),
        Arguments.of("not json", "not valid JSON"),
        Arguments.of("{\"type\":\"event.created\",", "not valid JSON"),
        Arguments.of("[1,2]", "not a JSON object"),
        Arguments.of("\"event.created\"", "not a JSON object"),
        Arguments.of("{\"parameters\":{}}", "missing 'type'"),
        Arguments.of("{\"type\":42,\"parameters\":{}}", "'type' must be a string"),
        Arguments.of("{\"type\":\"consent.exploded\",\"parameters\":{}}", "unknown type 'consent.exploded'"),
        Arguments.of("{\"type\":\"event.created\"}", "missing 'parameters'"),
        Arguments.of("{\"type\":\"event.created\",\"parameters\":[]}", "'parameters' must be an object"),
        Arguments.of("{\"type\":\"event.created\",\"parameters\":{}}", "missing 'parameters.entity'"),
        Arguments.of("{\"type\":\"user.updated\",\"parameters\":{\"source\":{\"id\":\"s\"}}}",
            "missing 'parameters.new_entity'"),
        Arguments.of("{\"type\":\"event.updated\",\"parameters\":{\"entity\":{}}}",
            "'parameters.entity' has none of the fields of a Didomi entity"),
        Arguments.of("{\"type\":\"user.created\",\"parameters\":{\"entity\":{\"id\":null,\"other\":1}}}",
            "'parameters.entity' has none of the fields of a Didomi entity"),
        Arguments.of("{\"type\":\"event.created\",\"parameters\":{\"entity\":{\"id\":\"e\"}}}",
            "missing 'parameters.entity.created_at'"),
        Arguments.of("{\"type\":\"event.created\",\"parameters\":{\"entity\":{\"created_at\":\"last tuesday\"}}}",
            "'parameters.entity.created_at' is not an ISO-8601 timestamp"),
        Arguments.of("{\"type\":\"user.created\",\"parameters\":{\"entity\":{\"updated_at\":1700000000}}}",
            "'parameters.entity.updated_at' is not an ISO-8601 timestamp"),
        Arguments.of("{\"type\":\"user.created\",\"parameters\":{\"entity\":{\"id\":\"u\"}}}",
            "missing 'parameters.entity.updated_at'"),
        Arguments.of("{\"type\":\"user.created\",\"parameters\":{\"entity\":{\"updated_at\":\"2026-01-01T00:00:00Z\",\"version\":\"v2\"}}}",
            "'parameters.entity.version' must be an integer"),
        Arguments.of("{\"type\":\"event.created\",\"parameters\":{\"entity\":{\"created_at\":\"2026-01-01T00:00:00Z\"}}} x",
            "not valid JSON"));
  }

  @ParameterizedTest
  @MethodSource("invalidBodies")
  void malformedWebhookIsRejectedWithAClearMessage(String body, String message) {
    assertThatThrownBy(() -> parser.parse(utf8(body)))
        .isInstanceOf(InvalidWebhookException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void pendingConfirmationWithoutUpdatedAtIsRejected() {
    String body = new String(didomi("event.updated.confirmed.json"))
        .replace("\"updated_at\": \"2026-11-20T10:07:31Z\",", "");

    assertThatThrownBy(() -> parser.parse(utf8(body)))
        .isInstanceOf(InvalidWebhookException.class)
        .hasMessage("missing 'parameters.new_entity.updated_at'");
  }

  @Test
  void errorMessageNeverEchoesThePayload() {
    // given a broken body that carries something sensitive
    String body = "{\"type\":\"event.created\",\"parameters\":{\"entity\":{\"user\":{\"organization_user_id\":\"secret@example.com\" oops";
    // when it is rejected, then the message says where, not what
    assertThatThrownBy(() -> parser.parse(utf8(body)))
        .isInstanceOf(InvalidWebhookException.class)
        .hasMessageContaining("line 1")
        .message().doesNotContain("secret");
  }

  @Test
  void eventDeletedNeedsNoTimestamp() {
    DidomiChange change = parser.parse(utf8("{\"type\":\"event.deleted\",\"parameters\":{\"entity\":{\"id\":\"e\"}}}"));

    assertThat(change.type()).isEqualTo(Type.EVENT_DELETED);
    assertThat(change.dedupKey()).startsWith("event.deleted:e:");
  }

  @Test
  void eventsOfTwoUsersWithoutAnEntityIdAtTheSameInstantHaveDistinctKeys() {
    // given two users' events that carry no entity id and share every timestamp
    String ann = anonymousEvent("ann@example.com");
    String bob = anonymousEvent("bob@example.com");
    // when both are parsed, then their delivery keys differ
    assertThat(parser.parse(utf8(ann)).dedupKey()).isNotEqualTo(parser.parse(utf8(bob)).dedupKey());
  }

  @Test
  void eventsDifferingOnlyInTheirConsentsHaveDistinctKeys() {
    String on = eventWith("", "[{\"id\":\"newsletter\",\"enabled\":true}]");
    String off = eventWith("", "[{\"id\":\"newsletter\",\"enabled\":false}]");

    assertThat(parser.parse(utf8(on)).dedupKey()).isNotEqualTo(parser.parse(utf8(off)).dedupKey());
  }

  @Test
  void updatesSharingASourceIdButNotTheirBodyHaveDistinctKeys() {
    String body = new String(didomi("user.updated.json"), java.nio.charset.StandardCharsets.UTF_8);
    String otherUser = body.replace("ann.martin@example.com", "bob@example.com");

    assertThat(parser.parse(utf8(body)).dedupKey()).isNotEqualTo(parser.parse(utf8(otherUser)).dedupKey());
  }

  static Stream<Arguments> unusableUserKeys() {
    return Stream.of(
        Arguments.of("\\ud800", "unpaired surrogate"),
        Arguments.of("ann\\udc00x", "unpaired surrogate"),
        Arguments.of("ann\\u0000", "control character"),
        Arguments.of("ann\\u001f", "control character"),
        Arguments.of("ann\\u007f", "control character"),
        Arguments.of("ann\\u0085", "control character"),
        Arguments.of("a".repeat(256), "longer than 255"));
  }

  @ParameterizedTest
  @MethodSource("unusableUserKeys")
  void unusableEventUserKeyIsRejectedNamingThePathNeverTheKey(String jsonKey, String problem) {
    String body = eventWith("", "[]").replace("\"organization_user_id\":\"u1\"", "\"organization_user_id\":\"" + jsonKey + "\"");

    assertThatThrownBy(() -> parser.parse(utf8(body)))
        .isInstanceOf(InvalidWebhookException.class)
        .hasMessageContaining("parameters.entity.user.organization_user_id")
        .hasMessageContaining(problem)
        .message().doesNotContain("ann").doesNotContain("aaaa");
  }

  @Test
  void unusableUserEntityKeyIsRejectedNamingItsPath() {
    String body = """
        {"type":"user.updated","parameters":{"new_entity":{"id":"u","organization_user_id":"\\udbff",
          "updated_at":"2026-01-01T00:00:00Z","version":2}}}""";

    assertThatThrownBy(() -> parser.parse(utf8(body)))
        .isInstanceOf(InvalidWebhookException.class)
        .hasMessageContaining("parameters.new_entity.organization_user_id");
  }

  @Test
  void userKeyOf255CodePointsIsAcceptedEvenWhenEachTakesTwoChars() {
    String emoji = "\uD83D\uDE00".repeat(255);
    String body = eventWith("", "[]").replace("\"u1\"", "\"" + emoji + "\"");

    assertThat(parser.parse(utf8(body)).organizationUserId()).isEqualTo(emoji);
  }

  @Test
  void userKeyIsKeptExactlyAsReceived() {
    String key = " Ann.Martin+ü@example.com ";
    String body = eventWith("", "[]").replace("\"u1\"", "\"" + key + "\"");

    assertThat(parser.parse(utf8(body)).organizationUserId()).isEqualTo(key);
  }

  static Stream<Arguments> invalidUtf8() {
    return Stream.of(
        Arguments.of("overlong '/'", new byte[] {(byte) 0xC0, (byte) 0xAF}),
        Arguments.of("overlong 3-byte", new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}),
        Arguments.of("encoded surrogate", new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}),
        Arguments.of("beyond U+10FFFF", new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}),
        Arguments.of("invalid byte", new byte[] {(byte) 0xFF}),
        Arguments.of("lone continuation", new byte[] {(byte) 0x80}),
        Arguments.of("truncated sequence", new byte[] {(byte) 0xE2, (byte) 0x82}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidUtf8")
  void bodyThatIsNotStrictUtf8IsRejected(String what, byte[] bad) {
    byte[] body = eventWithRawUserKey(bad);

    assertThatThrownBy(() -> parser.parse(body))
        .isInstanceOf(InvalidWebhookException.class)
        .hasMessageContaining("UTF-8");
  }

  @Test
  void bodyInUtf16IsRejectedRatherThanDecodedAsUtf16() {
    byte[] body = eventWith("", "[]").getBytes(java.nio.charset.StandardCharsets.UTF_16LE);

    assertThatThrownBy(() -> parser.parse(body)).isInstanceOf(InvalidWebhookException.class);
  }

  @Test
  void multiByteUtf8IsAccepted() {
    byte[] body = eventWithRawUserKey("zoë-日本-\uD83D\uDE00".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    assertThat(parser.parse(body).organizationUserId()).isEqualTo("zoë-日本-\uD83D\uDE00");
  }

  @Test
  void envelopeRegulationIsTheChangesRegulation() {
    assertThat(parser.parse(didomi("event.created.envelope-cpra.json")).regulation()).isEqualTo("cpra");
    assertThat(parser.parse(didomi("user.updated.envelope-cpra.json")).regulation()).isEqualTo("cpra");
  }

  @Test
  void envelopeRegulationWinsOverTheEntitysAndIsLowerCased() {
    String body = eventWith("\"regulation\":\"gdpr\"", "[]").replaceFirst("\\{", "{\"regulation\":\"CPRA\",");
    String entityOnly = eventWith("\"regulation\":\"cpra\"", "[]");

    assertThat(parser.parse(utf8(body)).regulation()).isEqualTo("cpra");
    assertThat(parser.parse(utf8(entityOnly)).regulation()).isEqualTo("cpra");
  }

  @Test
  void envelopeRegulationAfterTheParametersStillCounts() {
    String body = eventWith("", "[]");
    body = body.substring(0, body.length() - 1) + ",\"regulation\":\"cpra\"}";

    assertThat(parser.parse(utf8(body)).regulation()).isEqualTo("cpra");
  }

  static Stream<Arguments> everyExampleFlattened() {
    return Examples.didomiNames().stream().filter(n -> !n.contains("flattened")).flatMap(name -> Stream.of(
        Arguments.of(name, FlattenedDidomi.Arrays.KEPT, false),
        Arguments.of(name, FlattenedDidomi.Arrays.BY_INDEX, false),
        Arguments.of(name, FlattenedDidomi.Arrays.KEPT, true),
        Arguments.of(name, FlattenedDidomi.Arrays.BY_INDEX, true)));
  }

  @ParameterizedTest(name = "{0}, arrays {1}, old entity flat: {2}")
  @MethodSource("everyExampleFlattened")
  void flattenedWebhookParsesToTheSameChangeAsTheNestedOne(String name, FlattenedDidomi.Arrays arrays, boolean flatOld) {
    // given an example and its flattened form
    byte[] nested = didomi(name);
    byte[] flat = FlattenedDidomi.flatten(nested, arrays, flatOld);
    // when both are parsed, then every accessor agrees (the delivery key too, up to the body digest)
    assertSameChange(parser.parse(flat), parser.parse(nested));
  }

  @Test
  void flattenedExamplesParseToTheirNestedCounterparts() {
    assertSameChange(parser.parse(didomi("event.created.flattened.json")), parser.parse(didomi("event.created.json")));
    assertSameChange(parser.parse(didomi("user.updated.flattened-by-index.json")), parser.parse(didomi("user.updated.json")));
    assertSameChange(parser.parse(didomi("event.updated.confirmed.flattened.json")),
        parser.parse(didomi("event.updated.confirmed.json")));
  }

  @Test
  void flattenedPurposesByIndexAreReadInIndexOrder() {
    String body = """
        {"type":"event.created","parameters":{"entity":{"id":"e","created_at":"2026-01-01T00:00:00Z",
          "user__organization_user_id":"u1",
          "consents__purposes__10__id":"p10","consents__purposes__2__id":"p2","consents__purposes__2__enabled":true,
          "consents__purposes__0__id":"p0","consents__purposes__0__values__channels__value":"sms"}}}""";

    DidomiChange change = parser.parse(utf8(body));

    assertThat(change.purposes()).containsExactly(
        new Purpose("p0", null, Map.of("channels", "sms")), new Purpose("p2", true, Map.of()), new Purpose("p10", null, Map.of()));
  }

  @Test
  void entityWithNoneOfTheFieldsOfADidomiEntityIsRejected() {
    String body = "{\"type\":\"event.deleted\",\"parameters\":{\"entity\":{\"something\":\"else\",\"n\":1}}}";

    assertThatThrownBy(() -> parser.parse(utf8(body)))
        .isInstanceOf(InvalidWebhookException.class)
        .hasMessageContaining("parameters.entity");
  }

  @Test
  void userKeyUnderANameTheGatewayDoesNotReadIsRejectedNotSkipped() {
    String body = """
        {"type":"event.created","parameters":{"entity":{"id":"e","created_at":"2026-01-01T00:00:00Z",
          "user.organization_user_id":"ann@example.com"}}}""";

    assertThatThrownBy(() -> parser.parse(utf8(body)))
        .isInstanceOf(InvalidWebhookException.class)
        .hasMessageContaining("organization_user_id")
        .message().doesNotContain("ann@example.com");
  }

  @Test
  void flatEntityOfAnUpdateIsItsNewEntity() {
    String body = """
        {"type":"user.updated","parameters":{"source":{"id":"s1"},
          "old_entity":{"id":"u","organization_user_id":"ann@example.com","updated_at":"2026-01-01T00:00:00Z","version":1},
          "entity":{"id":"u","organization_user_id":"ann@example.com","updated_at":"2026-02-01T00:00:00Z","version":2,
            "metadata__tier":"gold"}}}""";

    DidomiChange change = parser.parse(utf8(body));

    assertThat(change.timestampMillis()).isEqualTo(at("2026-02-01T00:00:00Z"));
    assertThat(change.version()).isEqualTo(2);
    assertThat(change.metadata()).containsExactly(Map.entry("tier", AttributeValue.ofString("gold")));
  }

  @Test
  void flattenedBodyKeepsNumbersEscapesAndUnpairedSurrogatesExactly() {
    String nested = """
        {"type":"user.created","parameters":{"entity":{"id":"u","organization_user_id":"ann@example.com",
          "updated_at":"2026-01-01T00:00:00Z","version":1,
          "metadata":{"score":1.50,"big":1e400,"odd":"\\ud800 \\"q\\" \\u00e9","0":"zero"}}}}""";

    String flatBody = """
        {"type":"user.created","parameters":{"entity":{"id":"u","organization_user_id":"ann@example.com",
          "updated_at":"2026-01-01T00:00:00Z","version":1,
          "metadata__score":1.50,"metadata__big":1e400,"metadata__odd":"\\ud800 \\"q\\" \\u00e9","metadata__0":"zero"}}}""";

    DidomiChange flat = parser.parse(utf8(flatBody));

    assertSameChange(flat, parser.parse(utf8(nested)));
    assertThat(flat.metadata()).containsEntry("score", AttributeValue.ofNumber("1.50")).containsEntry("0", AttributeValue.ofString("zero"));
  }

  @Test
  void flattenedUserKeyIsCheckedLikeANestedOne() {
    String body = """
        {"type":"event.created","parameters":{"entity":{"id":"e","created_at":"2026-01-01T00:00:00Z",
          "user__organization_user_id":"\\ud800"}}}""";

    assertThatThrownBy(() -> parser.parse(utf8(body)))
        .isInstanceOf(InvalidWebhookException.class)
        .hasMessageContaining("organization_user_id").hasMessageContaining("unpaired surrogate");
  }

  @Test
  void flattenedPathDeeperThanTheParserAllowsIsRejected() {
    String body = "{\"type\":\"event.created\",\"parameters\":{\"entity\":{\"id\":\"e\",\"created_at\":\"2026-01-01T00:00:00Z\","
        + "\"" + "a__".repeat(100) + "b\":1}}}";

    assertThatThrownBy(() -> parser.parse(utf8(body)))
        .isInstanceOf(InvalidWebhookException.class)
        .hasMessageContaining("parameters.entity");
  }

  @Test
  void flattenedEntityWithoutAUserKeyParsesWithNoUser() {
    byte[] flat = FlattenedDidomi.flatten(didomi("event.created.no-organization-user-id.json"), FlattenedDidomi.Arrays.BY_INDEX, false);

    assertThat(parser.parse(flat).organizationUserId()).isNull();
  }

  // --- the previous entity of user.updated ---

  @Test
  void userUpdatedCarriesTheUserBeforeTheChange() {
    DidomiChange change = parser.parse(didomi("user.updated.json"));

    assertThat(change.previous()).isNotNull();
    assertThat(change.previous().timestampMillis()).isEqualTo(at("2026-11-20T09:15:02.120Z"));
    assertThat(change.previous().version()).isEqualTo(3);
    assertThat(change.previous().purposes()).containsExactly(
        new Purpose("newsletter", true, Map.of()),
        new Purpose("marketing", true, Map.of("channels", "email,sms")),
        new Purpose("analytics", false, Map.of()));
    assertThat(change.previous().metadata()).containsExactly(
        Map.entry("first_name", AttributeValue.ofString("Ann")),
        Map.entry("language", AttributeValue.ofString("fr")),
        Map.entry("loyalty_tier", AttributeValue.ofString("gold")));
  }

  @Test
  void onlyUserUpdatedHasAPreviousEntity() {
    for (String name : Examples.didomiNames()) {
      if (!name.startsWith("user.updated")) {
        assertThat(parser.parse(didomi(name)).previous()).as(name).isNull();
      }
    }
  }

  @Test
  void previousEntityWithoutUpdatedAtCountsAtItsCreatedAt() {
    DidomiChange change = parser.parse(utf8(userUpdatedWithOld("""
        {"created_at":"2026-01-01T00:00:00Z","version":"2","metadata":{"tier":"gold"}}""")));

    assertThat(change.previous()).isEqualTo(new DidomiChange.Previous(
        at("2026-01-01T00:00:00Z"), 2, List.of(), Map.of("tier", AttributeValue.ofString("gold"))));
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "\"gone\"", "null", "{}", "{\"version\":3}", "{\"updated_at\":\"yesterday\",\"version\":3}",
      "{\"updated_at\":42}", "{\"updated_at\":\"2026-01-01T00:00:00Z\",\"version\":\"three\"}",
      "{\"updated_at\":\"2026-01-01T00:00:00Z\",\"version\":99999999999999999999}"})
  void unusablePreviousEntityIsNoPreviousNeverAnError(String oldEntity) {
    DidomiChange change = parser.parse(utf8(userUpdatedWithOld(oldEntity)));

    assertThat(change.previous()).isNull();
    assertThat(change.version()).isEqualTo(5);
  }

  @Test
  void userUpdatedWithoutOldEntityHasNoPrevious() {
    String body = new String(didomi("user.updated.json"), java.nio.charset.StandardCharsets.UTF_8);
    String withoutOld = body.substring(0, body.indexOf("\"old_entity\"")) + body.substring(body.indexOf("\"new_entity\""));

    assertThat(parser.parse(utf8(withoutOld)).previous()).isNull();
  }

  private static String userUpdatedWithOld(String oldEntity) {
    return """
        {"type":"user.updated","parameters":{"old_entity":%s,
          "new_entity":{"id":"u","organization_user_id":"ann@example.com","updated_at":"2026-02-01T00:00:00Z","version":5}}}"""
        .formatted(oldEntity);
  }

  static void assertSameChange(DidomiChange actual, DidomiChange expected) {
    assertThat(actual.type()).isEqualTo(expected.type());
    assertThat(actual.entityId()).isEqualTo(expected.entityId());
    assertThat(actual.organizationId()).isEqualTo(expected.organizationId());
    assertThat(actual.organizationUserId()).isEqualTo(expected.organizationUserId());
    assertThat(actual.regulation()).isEqualTo(expected.regulation());
    assertThat(actual.status()).isEqualTo(expected.status());
    assertThat(actual.isPending()).isEqualTo(expected.isPending());
    assertThat(actual.timestampMillis()).isEqualTo(expected.timestampMillis());
    assertThat(actual.version()).isEqualTo(expected.version());
    assertThat(actual.confirmsPending()).isEqualTo(expected.confirmsPending());
    assertThat(actual.purposes()).isEqualTo(expected.purposes());
    assertThat(List.copyOf(actual.metadata().entrySet())).isEqualTo(List.copyOf(expected.metadata().entrySet()));
    assertThat(actual.droppedMetadataKeys()).isEqualTo(expected.droppedMetadataKeys());
    assertThat(readablePart(actual.dedupKey())).isEqualTo(readablePart(expected.dedupKey()));
    assertThat(actual.previous()).isEqualTo(expected.previous());
  }

  /** The delivery key without its last part, the digest of the body's bytes. */
  private static String readablePart(String dedupKey) {
    return dedupKey.substring(0, dedupKey.lastIndexOf(':'));
  }

  private static String anonymousEvent(String user) {
    return """
        {"type":"event.created","parameters":{"entity":{"organization_id":"acme-org",
          "created_at":"2026-11-20T09:00:00Z","updated_at":"2026-11-20T09:00:00Z","status":"confirmed",
          "user":{"organization_user_id":"%s"},"consents":{"purposes":[{"id":"newsletter","enabled":true}]}}}}"""
        .formatted(user);
  }

  private static byte[] eventWithRawUserKey(byte[] key) {
    String[] around = eventWith("", "[]").split("u1", 2);
    byte[] head = utf8(around[0]);
    byte[] tail = utf8(around[1]);
    byte[] body = new byte[head.length + key.length + tail.length];
    System.arraycopy(head, 0, body, 0, head.length);
    System.arraycopy(key, 0, body, head.length, key.length);
    System.arraycopy(tail, 0, body, head.length + key.length, tail.length);
    return body;
  }

  private static String eventWith(String extraEntityField, String purposesJson) {
    return "{\"type\":\"event.created\",\"parameters\":{\"entity\":{\"id\":\"e1\",\"created_at\":\"2026-01-01T00:00:00Z\","
        + (extraEntityField.isEmpty() ? "" : extraEntityField + ",")
        + "\"user\":{\"organization_user_id\":\"u1\"},\"consents\":{\"purposes\":" + purposesJson + "}}}}";
  }
}
