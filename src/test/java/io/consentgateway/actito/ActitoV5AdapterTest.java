package io.consentgateway.actito;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.mapping.ActitoProfileUpdate;
import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.webhook.AttributeValue;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One call per change in both modes, against the sandbox's V5 profile API; the calls are counted exactly. */
@ExtendWith(VertxExtension.class)
class ActitoV5AdapterTest {

  private static final String P5 = "/profiles/v5/entities/acme/profile-tables/Customers/profiles";

  private ActitoSandboxServer fixture;

  @BeforeEach
  void start(Vertx vertx) {
    // an account past the V4 end of service: a V4 call would be answered 410
    fixture = ActitoSandboxServer.start(vertx, ActitoSandboxServer.options().setV4Enabled(false));
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  private ActitoV5Adapter adapter(boolean upsertMode) {
    return new ActitoV5Adapter(fixture.client(fixture.settings(upsertMode)), List.of("Newsletter"));
  }

  @Test
  void upsertModeCreatesAMissingProfileInOneCall() {
    SyncResult result = adapter(true).apply(null, ActitoSandboxServer.body("new-user", true, "Ann")).await();

    assertThat(result).isInstanceOf(SyncResult.Delivered.class);
    JsonObject held = fixture.sandbox.profile("new-user").orElseThrow();
    assertThat(held.getLong("profileId")).isEqualTo(((SyncResult.Delivered) result).profileId());
    assertThat(held.encode()).contains("\"Ann\"").contains("{\"name\":\"Newsletter\",\"subscribe\":true}");
    // the key of a created profile is one of its attributes, as Actito holds it (its webhooks carry it)
    assertThat(fixture.attributes("new-user")).hasValueSatisfying(a -> assertThat(a).containsEntry("customerId", "new-user"));
    assertThat(apiCalls()).containsExactly("PUT " + P5);
  }

  @Test
  void upsertModeUpdatesAnExistingProfileInOneCall() {
    long id = fixture.sandbox.seedProfile("u1", new JsonObject(), new JsonObject().put("Newsletter", true));

    SyncResult result = adapter(true).apply(id, ActitoSandboxServer.body("u1", false, "Ann")).await();

    assertThat(result).isEqualTo(new SyncResult.Delivered(id));
    assertThat(fixture.sandbox.profile("u1").orElseThrow().encode()).contains("{\"name\":\"Newsletter\",\"subscribe\":false}");
    assertThat(apiCalls()).containsExactly("PUT " + P5);
  }

  @Test
  void updateOnlyModeUpdatesByUniqueKeyInOneCall() {
    long id = fixture.sandbox.seedProfile("u1", new JsonObject(), new JsonObject().put("Newsletter", false));

    SyncResult result = adapter(false).apply(null, ActitoSandboxServer.body("u1", true, "Ann")).await();

    assertThat(result).isEqualTo(new SyncResult.Delivered(id));
    assertThat(apiCalls()).containsExactly("PATCH " + P5 + "/customerId=u1");
    assertThat(fixture.sandbox.profile("u1").orElseThrow().encode())
        .contains("\"Ann\"").contains("{\"name\":\"Newsletter\",\"subscribe\":true}");
  }

  @Test
  void updateOnlyModeReportsAMissingProfileAndNeverCreatesIt() {
    SyncResult result = adapter(false).apply(null, ActitoSandboxServer.body("ghost", true, "Ann")).await();

    assertThat(result).isEqualTo(new SyncResult.NotInActito("ghost"));
    assertThat(fixture.sandbox.profiles()).isEmpty();
    assertThat(apiCalls()).containsExactly("PATCH " + P5 + "/customerId=ghost");
  }

  @Test
  void bodiesCarryNumbersExactlyAsDidomiWroteThemAndTheKeyInOnePathSegment() {
    String userId = "a/b=c+d é?";
    fixture.sandbox.seedProfile(userId, new JsonObject(), new JsonObject());
    var update = ActitoProfileUpdate.of("customerId", userId, Map.of("price", AttributeValue.ofNumber("1.50")),
        Map.of("Newsletter", true), 0);

    assertThat(adapter(false).apply(null, update).await()).isInstanceOf(SyncResult.Delivered.class);

    assertThat(fixture.calls("PATCH", P5)).singleElement().satisfies(call -> assertThat(call.requestBody())
        .isEqualTo("{\"attributes\":{\"price\":1.50},\"subscriptions\":{\"Newsletter\":true}}"));
    assertThat(fixture.sandbox.profile(userId).orElseThrow().encode()).contains("{\"name\":\"Newsletter\",\"subscribe\":true}");
  }

  @Test
  void upsertBodyNamesTheKey() {
    adapter(true).apply(null, ActitoProfileUpdate.of("customerId", "u\"1", Map.of(), Map.of("Newsletter", false), 0)).await();

    assertThat(fixture.calls("PUT", P5)).singleElement().satisfies(call -> assertThat(call.requestBody())
        .isEqualTo("{\"key\":{\"customerId\":\"u\\\"1\"},\"attributes\":{},\"subscriptions\":{\"Newsletter\":false}}"));
  }

  @Test
  void lookUpReadsTheV5ProfileWithTheMappedSubscriptions() {
    long id = fixture.sandbox.seedProfile("u1", new JsonObject().put("firstName", "Ann"),
        new JsonObject().put("Newsletter", true).put("Other", false));

    ActitoProfile profile = adapter(false).lookup("u1").await().orElseThrow();

    assertThat(profile.profileId()).isEqualTo(id);
    assertThat(profile.attributes()).containsEntry("firstName", "Ann");
    assertThat(profile.subscriptions()).containsExactly(Map.entry("Newsletter", true));
    assertThat(apiCalls()).containsExactly("GET " + P5 + "/customerId=u1?subscriptions=Newsletter");
    assertThat(adapter(false).lookup("nobody").await()).isEmpty();
  }

  private List<String> apiCalls() {
    return fixture.sandbox.calls().stream()
        .filter(c -> !c.path().equals("/auth/token"))
        .map(c -> c.method() + " " + c.path())
        .toList();
  }
}
