package io.consentgateway.actito;

import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.Backoff;
import static io.consentgateway.support.ActitoSandboxServer.ms;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.remote.RemoteCallException.Kind;
import io.consentgateway.remote.RemoteCallException.RetryReason;
import io.consentgateway.sandbox.FaultRule;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
class ActitoClientFailureTest {

  private ActitoSandboxServer fixture;
  private ActitoClient client;
  private long profileId;

  @BeforeEach
  void start(Vertx vertx) {
    fixture = ActitoSandboxServer.start(vertx, ActitoSandboxServer.options());
    profileId = fixture.sandbox.seedProfile("u1", new JsonObject(), new JsonObject());
    client = fixture.client(fixture.settings(false)
        .withTimeout(ms(300))
        .withBreaker(3, ms(400)));
    client.authenticate().await();
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 409, 422})
  void clientErrorsArePermanentAndCarryActitosAnswer(int status) {
    fixture.sandbox.addFault(FaultRule.burst(1, status));

    RemoteCallException e = failure(client.update(profileId, attributes()));

    assertThat(e.kind()).isEqualTo(Kind.PERMANENT);
    assertThat(e.status()).isEqualTo(status);
    assertThat(e.body()).contains("INJECTED_FAULT");
    assertThat(e.getMessage()).contains("integration acme", "entity acme", "table Customers", String.valueOf(status));
  }

  @Test
  void realBadRequestIsPermanentWithActitosBody() {
    var body = new JsonObject().put("attributes", new JsonArray().add(new JsonObject().put("name", "customerId").put("value", "u2")))
        .put("subscriptions", new JsonArray().add(new JsonObject().put("name", "Unknown").put("subscribe", true)));

    RemoteCallException e = failure(client.upsert(body));

    assertThat(e.kind()).isEqualTo(Kind.PERMANENT);
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.body()).contains("unknown subscription Unknown");
  }

  @Test
  void missingProfileOnLookupIsNotFoundNotAFailure() {
    assertThat(client.lookup("nobody").await()).isEmpty();
    assertThat(failure(client.update(999, attributes())).kind()).isEqualTo(Kind.NOT_FOUND);
  }

  @Test
  void rateLimitIsRetryableWithTheDelayActitoAskedFor() {
    fixture.sandbox.addFault(FaultRule.burst(1, 429, "7"));

    RemoteCallException e = failure(client.update(profileId, attributes()));

    assertThat(e.kind()).isEqualTo(Kind.RETRYABLE);
    assertThat(e.retryReason()).isEqualTo(RetryReason.RATE_LIMITED);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
  }

  @Test
  void retryAfterTheSuggestedDelaySucceeds() throws Exception {
    fixture.sandbox.addFault(FaultRule.burst(1, 503, "1"));
    var backoff = new Backoff(ms(50), ms(2_000));

    RemoteCallException e = failure(client.update(profileId, attributes()));
    Duration wait = backoff.delay(1, e.retryAfter().orElse(null));
    Thread.sleep(wait.toMillis()); // the dispatcher would schedule a timer
    Long updated = client.update(profileId, attributes()).await();

    assertThat(e.retryReason()).isEqualTo(RetryReason.SERVER_ERROR);
    assertThat(wait).isEqualTo(Duration.ofSeconds(1));
    assertThat(updated).isEqualTo(profileId);
    var puts = fixture.calls("PUT", "/profile/");
    assertThat(puts).extracting(c -> c.status()).containsExactly(503, 200);
    assertThat(puts.get(1).startedAtMs() - puts.get(0).endedAtMs()).isGreaterThanOrEqualTo(1_000);
  }

  @Test
  void serverErrorsAreRetryable() {
    fixture.sandbox.addFault(FaultRule.burst(1, 500));

    RemoteCallException e = failure(client.update(profileId, attributes()));

    assertThat(e.kind()).isEqualTo(Kind.RETRYABLE);
    assertThat(e.retryReason()).isEqualTo(RetryReason.SERVER_ERROR);
    assertThat(e.retryAfter()).isEmpty();
  }

  @Test
  void unansweredCallTimesOutRetryably() {
    fixture.sandbox.addFault(FaultRule.hang(1));

    RemoteCallException e = failure(client.update(profileId, attributes()));

    assertThat(e.retryReason()).isEqualTo(RetryReason.TIMEOUT);
    assertThat(e.isRetryable()).isTrue();
    ActitoSandboxServer.waitUntil(() -> fixture.sandbox.inFlight() == 0); // the client hung up
  }

  @Test
  void unreachableActitoIsAConnectionErrorRetryably(Vertx vertx) {
    var down = new ActitoClient(vertx, fixture.settings(false).withBaseUrl("http://127.0.0.1:1"), fixture.registry);
    try {
      RemoteCallException e = failure(down.lookup("u1"));

      assertThat(e.retryReason()).isEqualTo(RetryReason.CONNECTION);
      assertThat(e.operation()).isEqualTo(ActitoOperation.TOKEN);
    } finally {
      down.close().await();
    }
  }

  @Test
  void breakerOpensOnARunOfRetryableFailuresAndTheLicenceProbesItClosedByItself() {
    fixture.sandbox.addFault(FaultRule.burst(3, 503));
    for (int i = 0; i < 3; i++) {
      failure(client.update(profileId, attributes()));
    }
    assertThat(client.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
    assertThat(client.health().status()).isEqualTo(ActitoHealth.Status.DEGRADED);
    assertThat(client.licence().blocked()).isTrue();
    assertThat(fixture.registry.get("actito.breaker.state").gauge().value()).isEqualTo(2.0);

    RemoteCallException fast = failure(client.update(profileId, attributes()));
    assertThat(fast.retryReason()).isEqualTo(RetryReason.BREAKER_OPEN);
    assertThat(fast.retryAfter()).isPresent();
    assertThat(fixture.calls("PUT", "/profile/")).hasSize(3); // nothing sent while open

    // when the breaker half-opens the licence sends one probe, a table-structure read, and closes on its answer
    ActitoSandboxServer.waitUntil(() -> client.breakerState() == CircuitBreakerState.CLOSED);

    assertThat(fixture.calls("GET", "/profile-table-structure/")).extracting(c -> c.status()).containsExactly(200);
    assertThat(client.licence().blocked()).isFalse();
    assertThat(client.health().healthy()).isTrue();
    assertThat(client.update(profileId, attributes()).await()).isEqualTo(profileId);
  }

  @Test
  void failedProbeReopensTheBreakerForAnotherPeriodUntilAProbeSucceeds() {
    fixture.sandbox.addFault(FaultRule.burst(4, 503)); // three open the breaker, the fourth fails the first probe
    for (int i = 0; i < 3; i++) {
      failure(client.update(profileId, attributes()));
    }

    ActitoSandboxServer.waitUntil(() -> fixture.calls("GET", "/profile-table-structure/").size() == 2
        && client.breakerState() == CircuitBreakerState.CLOSED);

    var probes = fixture.calls("GET", "/profile-table-structure/");
    assertThat(probes).extracting(c -> c.status()).containsExactly(503, 200);
    assertThat(probes.get(1).startedAtMs() - probes.get(0).endedAtMs()).isGreaterThanOrEqualTo(350); // a period apart
    assertThat(fixture.calls("PUT", "/profile/")).hasSize(3);
  }

  @Test
  void openBreakerNeverTurnsChangesIntoPermanentFailures() {
    var sync = new ActitoV4Adapter(client);
    fixture.sandbox.addFault(FaultRule.burst(3, 500));
    List<SyncResult> results = new ArrayList<>();

    for (int i = 0; i < 8; i++) {
      results.add(sync.apply(profileId, ActitoSandboxServer.body("u1", true, "Ann")).await());
    }

    assertThat(client.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
    assertThat(results).allSatisfy(r -> assertThat(r).isInstanceOf(SyncResult.Retryable.class));
    assertThat(results.subList(3, 8)).allSatisfy(r ->
        assertThat(((SyncResult.Retryable) r).reason()).isEqualTo(RetryReason.BREAKER_OPEN));
  }

  @Test
  void permanentFailuresDoNotOpenTheBreaker() {
    fixture.sandbox.addFault(FaultRule.burst(5, 409));
    for (int i = 0; i < 5; i++) {
      failure(client.update(profileId, attributes()));
    }

    assertThat(client.breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
    assertThat(fixture.counter("actito.calls", "operation", "update", "outcome", "client_error")).isEqualTo(5.0);
  }

  private static JsonArray attributes() {
    return new JsonArray().add(new JsonObject().put("name", "firstName").put("value", "Ann"));
  }

  private static RemoteCallException failure(Future<?> future) {
    Throwable cause = future.transform(ar -> Future.succeededFuture(ar.cause())).await();
    assertThat(cause).isInstanceOf(RemoteCallException.class);
    return (RemoteCallException) cause;
  }
}
