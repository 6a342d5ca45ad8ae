package io.consentgateway.actito;

import static io.consentgateway.support.ActitoSandboxServer.ms;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.support.ActitoSandboxServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A token is attached when the call leaves the pacing gate, never before it waits there: calls
 * queued for longer than a token lives still go out with a valid one. Taken before the wait, the
 * token expires in the queue and Actito answers 401 — a call of the licence spent for nothing
 * (59 of 371 calls in a run at the real limits, before this).
 */
@ExtendWith(VertxExtension.class)
class TokenAtTheGateTest {

  private ActitoSandboxServer fixture;

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void callsQueuedLongerThanATokenLivesAreNeverSentWithAnExpiredOne(Vertx vertx) {
    // 10 calls a second, tokens that live 2 s: 40 look-ups wait up to 4 s in the gate. A token is
    // usable for its life less the refresh margin (1.5 s), which must outlast the longest wait
    // between two windows' permits (1.3 s with the margin below): with 1.5 s tokens (1 s usable) a
    // loaded machine saw a fresh token go stale before its call's permit came, three times over
    fixture = ActitoSandboxServer.start(vertx, ActitoSandboxServer.options()
        .setCallsPerWindow(10).setWindow(ms(1_000)).setTokenLifetime(Duration.ofMillis(2_000)));
    var settings = ActitoClientSettings.from("acme", ActitoSandboxServer.config(false, ActitoSandboxServer.KEY, 10))
        .withBaseUrl(fixture.sandbox.baseUrl())
        .withRateWindow(ms(1_000), ms(300)) // room for event-loop jitter between start and arrival
        .withTokenRefreshMargin(Duration.ofMillis(500));
    var client = fixture.client(settings);
    List<Future<?>> lookups = new ArrayList<>();

    for (int i = 0; i < 40; i++) {
      lookups.add(client.lookup("u" + i));
    }
    Future.join(lookups).transform(ar -> Future.succeededFuture()).await();

    List<RecordedCall> calls = fixture.sandbox.calls();
    long t0 = calls.get(0).startedAtMs();
    String log = calls.stream().map(c -> (c.startedAtMs() - t0) + "+" + (c.admittedAtMs() - c.startedAtMs()) + " "
        + c.path().replaceAll(".*/", "") + " " + c.status()).collect(java.util.stream.Collectors.joining("\n"));
    assertThat(lookups).as(log).allMatch(Future::succeeded);
    assertThat(calls).as("no call answered 401").extracting(RecordedCall::status).doesNotContain(401);
    long tokens = calls.stream().filter(call -> call.path().endsWith("/auth/token")).count();
    assertThat(calls).as("every look-up once, and the tokens").hasSize(40 + (int) tokens);
    assertThat(tokens).as("a fresh token as the old one ran out").isBetween(2L, 5L);
  }
}
