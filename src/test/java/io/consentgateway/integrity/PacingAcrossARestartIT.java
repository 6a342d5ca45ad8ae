package io.consentgateway.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Found by {@link ConsentIntegrityIT} (seed 20261201 with {@code -Dintegrity.avoid=...}: Actito
 * slowed 12 calls, 268 in one minute against 256 allowed, right after the kill and restart),
 * reduced to a restart. Guarantee 8: never more than {@code callsPerMinute} calls per licence,
 * across every gateway process, a restarted one too.
 */
class PacingAcrossARestartIT {

  private static final int CALLS_PER_MINUTE = 40;
  private static final int USERS = 30;

  @TempDir Path dir;
  private Loop loop;

  @BeforeEach
  void start() {
    loop = new Loop(dir, CALLS_PER_MINUTE, false);
  }

  @AfterEach
  void stop() {
    loop.close();
  }

  @Test
  void aRestartedGatewayKeepsToWhatTheLicenceHasLeftOfTheMinute() {
    post("before-");
    Eventually.await(Loop.WAIT, "the first users delivered", () -> loop.status().getLong("backlog") == 0);
    long before = loop.actito.sandbox().calls().size();

    loop.restart(); // same store, same licence: the minute is not over for Actito
    post("after-");

    Eventually.await(Duration.ofSeconds(150), "every user delivered, or Actito slowing calls",
        () -> loop.actito.sandbox().slowedCalls() > 0 || loop.status().getLong("backlog") == 0);
    List<RecordedCall> calls = loop.actito.sandbox().calls();
    assertThat(loop.actito.sandbox().slowedCalls())
        .as("calls Actito slowed: %d calls in its window of 60 s (%d before the restart, %d allowed)",
            peak(calls), before, CALLS_PER_MINUTE)
        .isZero();
    Eventually.await(Duration.ofSeconds(150), "every user delivered", () -> loop.status().getLong("backlog") == 0);
  }

  private void post(String prefix) {
    String token = loop.http.token();
    for (int u = 0; u < USERS; u++) {
      assertThat(loop.http.postDidomi("acme", token, DidomiPayloads.eventWithSeq(prefix + u + "@example.com", 1, true))
          .statusCode()).isEqualTo(202);
    }
  }

  private static int peak(List<RecordedCall> calls) {
    long[] starts = calls.stream().mapToLong(RecordedCall::startedAtMs).sorted().toArray();
    int peak = 0;
    for (int from = 0, to = 0; to < starts.length; to++) {
      while (starts[to] - starts[from] >= 60_000) {
        from++;
      }
      peak = Math.max(peak, to - from + 1);
    }
    return peak;
  }
}
