package io.consentgateway.actito;

import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.remote.RemoteCallException;
import static io.consentgateway.support.ActitoSandboxServer.ms;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.support.TestClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ActitoTokensTest {

  private ActitoSandboxServer fixture;

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void tokenIsRefreshedBeforeItExpires(Vertx vertx) {
    fixture = ActitoSandboxServer.start(vertx, ActitoSandboxServer.options().setTokenLifetime(ms(2_000)));
    var clock = new TestClock();
    var client = fixture.client(fixture.settings(false), clock);
    client.lookup("u1").await();

    // the gateway's time moves, the sandbox's does not: it would answer 401 to a token left to expire
    clock.advance(ms(1_300)); // past the refresh point (lifetime/2), before expiry
    client.lookup("u1").await();

    assertThat(fixture.calls("GET", "/auth/token")).hasSize(2);
    assertThat(fixture.sandbox.calls()).extracting(RecordedCall::status).doesNotContain(401);
  }

  @Test
  void concurrentCallsShareOneTokenRequest(Vertx vertx) {
    fixture = ActitoSandboxServer.start(vertx, ActitoSandboxServer.options());
    var client = fixture.client(fixture.settings(false));
    List<Future<Optional<ActitoProfile>>> lookups = new ArrayList<>();

    for (int i = 0; i < 20; i++) {
      lookups.add(client.lookup("u" + i));
    }
    Future.all(lookups).await();

    assertThat(fixture.calls("GET", "/auth/token")).hasSize(1);
    assertThat(client.health().tokenRefreshes()).isEqualTo(1);
  }

  @Test
  void rejectedTokenIsRefreshedOnceAndTheCallRetried(Vertx vertx) {
    fixture = ActitoSandboxServer.start(vertx, ActitoSandboxServer.options());
    fixture.sandbox.seedProfile("u1", new JsonObject(), new JsonObject());
    var client = fixture.client(fixture.settings(false));
    client.lookup("u1").await();
    fixture.sandbox.expireTokens();

    Optional<ActitoProfile> found = client.lookup("u1").await();

    assertThat(found).isPresent();
    assertThat(fixture.sandbox.calls()).extracting(c -> c.method() + " " + c.status() + " " + c.path().split("\\?")[0])
        .containsExactly(
            "GET 200 /auth/token",
            "GET 200 /profiles/v4/entity/acme/table/Customers/profile/customerId=u1",
            "GET 401 /profiles/v4/entity/acme/table/Customers/profile/customerId=u1",
            "GET 200 /auth/token",
            "GET 200 /profiles/v4/entity/acme/table/Customers/profile/customerId=u1");
  }

  @Test
  void badKeyIsReportedAndStopsCallsWithoutStoppingTheProcess(Vertx vertx) {
    fixture = ActitoSandboxServer.start(vertx, ActitoSandboxServer.options());
    var client = fixture.client(
        ActitoClientSettings.from("acme", ActitoSandboxServer.config(false, "wrong-key")).withBaseUrl(fixture.sandbox.baseUrl()));
    var sync = new ActitoV4Adapter(client);

    Throwable first = client.lookup("u1").transform(ar -> Future.succeededFuture(ar.cause())).await();
    SyncResult second = sync.apply(null, ActitoSandboxServer.body("u1", true, null)).await();

    assertThat(first).isInstanceOf(RemoteCallException.class);
    assertThat(((RemoteCallException) first).kind()).isEqualTo(RemoteCallException.Kind.AUTH_FAILED);
    assertThat(first.getMessage()).contains("integration acme", "entity acme", "table Customers", "401")
        .doesNotContain("wrong-key");
    assertThat(second).isInstanceOfSatisfying(SyncResult.Retryable.class, r -> assertThat(r.authFailed()).isTrue());
    assertThat(client.health().status()).isEqualTo(ActitoHealth.Status.AUTH_FAILED);
    assertThat(fixture.registry.get("actito.auth.failed").gauge().value()).isEqualTo(1.0);
    // the refused key is not tried again for every change
    assertThat(fixture.sandbox.calls()).hasSize(1);
  }
}
