package io.consentgateway.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.support.TestClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Guarantee 8 across restarts and through outages: the budget counts exactly the calls that left. */
@ExtendWith(VertxExtension.class)
class PacingGateJournalTest {

  private final TestClock clock = new TestClock();

  @Test
  void aPermitNeverUsedGivesItsPlaceInTheWindowBack(Vertx vertx) {
    var gate = new PacingGate(vertx, clock, clock, 5, 2, Duration.ofSeconds(60), 10);

    gate.acquire().await().releaseUnused();
    gate.acquire().await().releaseUnused();
    PacingGate.Permit third = gate.acquire().await();
    PacingGate.Permit fourth = gate.acquire().await();
    third.release();
    fourth.release();

    assertThat(gate.granted()).isEqualTo(2);
    assertThat(gate.acquire().isComplete()).as("two calls left: the window is spent").isFalse();
  }

  @Test
  void callsAPreviousRunStartedWithinTheWindowStillCountAfterARestart(Vertx vertx) {
    var gate = new PacingGate(vertx, clock, clock, 5, 3, Duration.ofSeconds(60), 10);
    long now = clock.millis();

    gate.prefill(List.of(now - 90_000, now - 2_000), 1); // one too old, one recent, one unknown

    gate.acquire().await().release();
    assertThat(gate.acquire().isComplete()).as("1 recent + 1 unknown + 1 new = the window's 3").isFalse();
  }

  @Test
  void aGateNeverRunsMoreGrantsAheadOfItsJournalThanAllowed(Vertx vertx) {
    var gate = new PacingGate(vertx, clock, clock, 5, 100, Duration.ofSeconds(60), 10);
    AtomicInteger asked = new AtomicInteger();
    gate.journalAhead(2, asked::incrementAndGet);
    List<PacingGate.Permit> permits = new ArrayList<>();
    permits.add(gate.acquire().await());
    permits.add(gate.acquire().await());

    Future<PacingGate.Permit> third = gate.acquire();

    assertThat(third.isComplete()).as("two grants not journaled yet").isFalse();
    io.consentgateway.support.Eventually.waitUntil(() -> asked.get() > 0);
    List<Long> taken = gate.takeJournal();
    assertThat(taken).hasSize(2);
    assertThat(gate.takeJournal()).as("being written already").isEmpty();
    gate.journalWritten(taken.size());
    assertThat(third.await()).isNotNull();
    assertThat(gate.takeJournal()).hasSize(1);
  }
}
