package io.consentgateway.actito;

import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.remote.RemoteCallException;
import static io.consentgateway.support.ActitoSandboxServer.ms;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.sandbox.FaultRule;
import io.consentgateway.sandbox.actito.RecordedCall;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class PacingTest {

  private static final int PER_WINDOW = 40;
  private static final long WINDOW_MS = 1_000;

  private ActitoSandboxServer fixture;

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void burstOf200UpdatesStaysWithinTheLicenceLimits(Vertx vertx) {
    fixture = ActitoSandboxServer.start(vertx, ActitoSandboxServer.options()
        .setCallsPerWindow(PER_WINDOW).setWindow(ms(WINDOW_MS)));
    long id = fixture.sandbox.seedProfile("u1", new JsonObject(), new JsonObject());
    fixture.sandbox.addFault(FaultRule.latency(5)); // keep calls overlapping
    var settings = ActitoClientSettings.from("acme", ActitoSandboxServer.config(false, ActitoSandboxServer.KEY, PER_WINDOW))
        .withBaseUrl(fixture.sandbox.baseUrl())
        .withRateWindow(ms(WINDOW_MS), ms(300)); // room for event-loop jitter between start and arrival
    var client = fixture.client(settings);
    // the token first, then a window's pause: a cold first call can take longer than the margin to
    // reach the sandbox (which then sees its window start later than the gate did); the burst
    // measures the pacing of warm calls
    client.authenticate().await();
    sleep(WINDOW_MS + 400);
    List<Future<Long>> updates = new ArrayList<>();

    for (int i = 0; i < 200; i++) {
      var attributes = new JsonArray().add(new JsonObject().put("name", "n").put("value", i));
      updates.add(client.update(id, attributes));
    }
    Future.all(updates).await();

    List<RecordedCall> calls = fixture.sandbox.calls();
    assertThat(calls).hasSize(201); // 200 updates and the token
    assertThat(calls).extracting(RecordedCall::status).containsOnly(200);
    assertThat(fixture.sandbox.maxInFlightObserved()).isLessThanOrEqualTo(5);
    assertThat(fixture.sandbox.rejectedForConcurrency()).isZero();
    assertThat(fixture.sandbox.slowedCalls()).as(() -> "calls started (ms): " + calls.stream()
        .map(c -> c.startedAtMs() - calls.get(0).startedAtMs()).toList()).isZero();
    assertThat(maxStartedInAnyWindow(calls, WINDOW_MS)).isLessThanOrEqualTo(PER_WINDOW);
    assertThat(client.gate().maxInFlightObserved()).isLessThanOrEqualTo(5);
  }

  @Test
  void overflowingTheWaitingQueueFailsFastAndRetryably(Vertx vertx) {
    fixture = ActitoSandboxServer.start(vertx, ActitoSandboxServer.options());
    fixture.sandbox.addFault(FaultRule.latency(200));
    var client = fixture.client(fixture.settings(false).withMaxQueued(3));
    client.authenticate().await();
    List<Future<?>> lookups = new ArrayList<>();

    for (int i = 0; i < 10; i++) {
      lookups.add(client.lookup("u" + i));
    }
    Future.join(lookups).transform(ar -> Future.succeededFuture()).await();

    assertThat(lookups).filteredOn(Future::failed).hasSize(2).allSatisfy(f -> {
      var e = (RemoteCallException) f.cause();
      assertThat(e.retryReason()).isEqualTo(RemoteCallException.RetryReason.QUEUE_FULL);
      assertThat(e.isRetryable()).isTrue();
    });
    assertThat(fixture.calls("GET", "/profile/")).hasSize(8);
    assertThat(fixture.counter("actito.calls", "operation", "lookup", "outcome", "queue_full")).isEqualTo(2.0);
  }

  // the most calls whose arrival falls within any window of the given length
  private static int maxStartedInAnyWindow(List<RecordedCall> calls, long windowMs) {
    long[] starts = calls.stream().mapToLong(RecordedCall::startedAtMs).sorted().toArray();
    int max = 0;
    int from = 0;
    for (int to = 0; to < starts.length; to++) {
      while (starts[to] - starts[from] >= windowMs) {
        from++;
      }
      max = Math.max(max, to - from + 1);
    }
    return max;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
