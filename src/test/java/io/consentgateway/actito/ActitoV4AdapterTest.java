package io.consentgateway.actito;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.support.ActitoSandboxServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ActitoV4AdapterTest {

  private ActitoSandboxServer fixture;

  @BeforeEach
  void start(Vertx vertx) {
    fixture = ActitoSandboxServer.start(vertx, ActitoSandboxServer.options());
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void upsertModeCreatesAMissingProfileInOneCall() {
    var sync = new ActitoV4Adapter(fixture.client(fixture.settings(true)));

    SyncResult result = sync.apply(null, ActitoSandboxServer.body("new-user", true, "Ann")).await();

    assertThat(result).isInstanceOf(SyncResult.Delivered.class);
    JsonObject held = fixture.sandbox.profile("new-user").orElseThrow();
    assertThat(held.getLong("profileId")).isEqualTo(((SyncResult.Delivered) result).profileId());
    assertThat(held.encode()).contains("\"Ann\"").contains("{\"name\":\"Newsletter\",\"subscribe\":true}");
    assertThat(apiCalls()).containsExactly("POST /profiles/v4/entity/acme/table/Customers/profile?allowUpdate=true");
  }

  @Test
  void updateOnlyModeReportsAMissingProfileAndNeverCreatesIt() {
    var sync = new ActitoV4Adapter(fixture.client(fixture.settings(false)));

    SyncResult result = sync.apply(null, ActitoSandboxServer.body("ghost", true, "Ann")).await();

    assertThat(result).isEqualTo(new SyncResult.NotInActito("ghost"));
    assertThat(fixture.sandbox.profiles()).isEmpty();
    assertThat(fixture.calls("POST", "/profile")).isEmpty();
    assertThat(fixture.calls("PUT", "/profile")).isEmpty();
    assertThat(apiCalls()).containsExactly("GET /profiles/v4/entity/acme/table/Customers/profile/customerId=ghost");
  }

  @Test
  void updateOnlyModeLooksUpThenSendsEverythingThatDiffersInOneCall() {
    long id = fixture.sandbox.seedProfile("u1", new JsonObject(), new JsonObject().put("Newsletter", false));
    var sync = new ActitoV4Adapter(fixture.client(fixture.settings(false)));

    // a remembered id changes nothing: only the look-up proves the profile exists (never created)
    SyncResult result = sync.apply(id, ActitoSandboxServer.body("u1", true, "Ann")).await();

    assertThat(result).isEqualTo(new SyncResult.Delivered(id));
    assertThat(apiCalls()).containsExactly(
        "GET /profiles/v4/entity/acme/table/Customers/profile/customerId=u1",
        "POST /profiles/v4/entity/acme/table/Customers/profile?allowUpdate=true");
    assertThat(fixture.sandbox.profile("u1").orElseThrow().encode())
        .contains("\"Ann\"").contains("{\"name\":\"Newsletter\",\"subscribe\":true}");
  }

  @Test
  void updateOnlyModeSendsOnlyWhatDiffersFromTheProfileLookedUp() {
    long id = fixture.sandbox.seedProfile("u1", new JsonObject().put("firstName", "Ann"),
        new JsonObject().put("Newsletter", true));
    var sync = new ActitoV4Adapter(fixture.client(fixture.settings(false)));

    SyncResult result = sync.apply(null, ActitoSandboxServer.body("u1", false, "Ann")).await();

    assertThat(result).isEqualTo(new SyncResult.Delivered(id));
    assertThat(apiCalls()).containsExactly(
        "GET /profiles/v4/entity/acme/table/Customers/profile/customerId=u1",
        "POST /profiles/v4/entity/acme/table/Customers/profile?allowUpdate=true");
    assertThat(fixture.calls("POST", "/profile?allowUpdate=true")).singleElement().satisfies(call ->
        assertThat(new JsonObject(call.requestBody()).getJsonArray("subscriptions").encode())
            .isEqualTo("[{\"name\":\"Newsletter\",\"subscribe\":false}]"));
  }

  @Test
  void updateOnlyModeWithNothingDifferentCostsTheLookUpAlone() {
    long id = fixture.sandbox.seedProfile("u1", new JsonObject().put("firstName", "Ann"),
        new JsonObject().put("Newsletter", true));
    var sync = new ActitoV4Adapter(fixture.client(fixture.settings(false)));

    assertThat(sync.apply(id, ActitoSandboxServer.body("u1", true, "Ann")).await()).isEqualTo(new SyncResult.Delivered(id));
    assertThat(apiCalls()).containsExactly("GET /profiles/v4/entity/acme/table/Customers/profile/customerId=u1");
  }

  @Test
  void uniqueKeyValueIsEncodedIntoOnePathSegment() {
    String userId = "a/b=c+d é?";
    fixture.sandbox.seedProfile(userId, new JsonObject(), new JsonObject());
    var sync = new ActitoV4Adapter(fixture.client(fixture.settings(false)));

    SyncResult result = sync.apply(null, ActitoSandboxServer.body(userId, true, null)).await();

    assertThat(result).isInstanceOf(SyncResult.Delivered.class);
    assertThat(fixture.sandbox.profile(userId).orElseThrow().encode()).contains("{\"name\":\"Newsletter\",\"subscribe\":true}");
  }

  @Test
  void updateOnlyModeWritesNumbersExactlyAsTheUpdateCarriesThem() {
    long id = fixture.sandbox.seedProfile("u1", new JsonObject(), new JsonObject());
    var sync = new ActitoV4Adapter(fixture.client(fixture.settings(false)));
    var update = io.consentgateway.mapping.ActitoProfileUpdate.of("customerId", "u1",
        java.util.Map.of("price", io.consentgateway.webhook.AttributeValue.ofNumber("1.50")), java.util.Map.of(), 0);

    assertThat(sync.apply(id, update).await()).isEqualTo(new SyncResult.Delivered(id));

    assertThat(fixture.calls("POST", "/profile?allowUpdate=true")).singleElement()
        .satisfies(call -> assertThat(call.requestBody()).contains("{\"name\":\"price\",\"value\":1.50}"));
  }

  private java.util.List<String> apiCalls() {
    return fixture.sandbox.calls().stream()
        .filter(c -> !c.path().equals("/auth/token"))
        .map(c -> c.method() + " " + c.path())
        .toList();
  }
}
