package io.consentgateway.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.support.TestClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class PacingGatePauseTest {

  private final TestClock clock = new TestClock();

  @Test
  void aPauseReleasesTheWaitingCallersAndGrantsNothingUntilItEnds(Vertx vertx) {
    var gate = new PacingGate(vertx, clock, clock, 1, 100, Duration.ofSeconds(60), 10);
    PacingGate.Permit running = gate.acquire().await();
    Future<PacingGate.Permit> waiting = gate.acquire();

    gate.pause(Duration.ofMillis(300), "paused after a 429");

    Throwable released = waiting.transform(ar -> Future.succeededFuture(ar.cause())).await();
    assertThat(released).isInstanceOf(PacingGate.PausedException.class).hasMessage("paused after a 429");
    running.release();
    Throwable refused = gate.acquire().transform(ar -> Future.succeededFuture(ar.cause())).await();
    assertThat(refused).isInstanceOf(PacingGate.PausedException.class);
    assertThat(gate.acquireUrgent().failed()).as("token requests wait for the pause too").isTrue();
    assertThat(gate.paused()).isTrue();

    clock.advance(Duration.ofMillis(299));
    assertThat(gate.paused()).as("a millisecond short of the pause").isTrue();
    clock.advance(Duration.ofMillis(1));
    assertThat(gate.paused()).isFalse();

    assertThat(gate.acquire().await()).isNotNull();
    assertThat(gate.granted()).isEqualTo(2);
  }

  @Test
  void failingTheWaitingCallersLeavesThePermitsOutAndTheGateOpen(Vertx vertx) {
    var gate = new PacingGate(vertx, clock, clock, 1, 100, Duration.ofSeconds(60), 10);
    PacingGate.Permit running = gate.acquire().await();
    Future<PacingGate.Permit> first = gate.acquire();
    Future<PacingGate.Permit> second = gate.acquire();

    gate.failWaiting("the licence is breaker_open");

    first.transform(ar -> Future.succeededFuture()).await();
    second.transform(ar -> Future.succeededFuture()).await();
    assertThat(first.cause()).isInstanceOf(PacingGate.PausedException.class);
    assertThat(second.cause()).isInstanceOf(PacingGate.PausedException.class);
    assertThat(gate.queued()).isZero();
    assertThat(gate.inFlight()).isEqualTo(1);
    running.release();
    assertThat(gate.acquire().await()).isNotNull();
  }
}
