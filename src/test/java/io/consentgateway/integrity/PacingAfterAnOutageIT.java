package io.consentgateway.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.sandbox.FaultRule;
import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.Eventually;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Found by {@link ConsentIntegrityIT} on 4417161 and fixed on main since: after each Actito fault
 * the gateway's count of calls in its last minute ran far ahead of the calls Actito received (e.g.
 * 255 against 61), and it then sent nothing for about a minute. Reduced to one short outage.
 * Guarantee 12: outages cost nothing; guarantee 8 counts calls made, not calls refused before they
 * left.
 */
class PacingAfterAnOutageIT {

  private static final int CALLS_PER_MINUTE = 60;
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
  void aFewSecondsOfOutageDoNotSpendTheMinutesBudgetOnCallsThatNeverLeft() {
    String token = loop.http.token();
    loop.http.postDidomi("acme", token, DidomiPayloads.eventWithSeq("first@example.com", 1, true));
    loop.awaitQuiet("first@example.com"); // token and table structure fetched

    loop.actito.sandbox().addFault(FaultRule.hang(-1)); // Actito stops answering
    for (int u = 0; u < USERS; u++) {
      assertThat(loop.http.postDidomi("acme", token, DidomiPayloads.eventWithSeq("user-" + u + "@example.com", 1, true))
          .statusCode()).isEqualTo(202);
    }
    Eventually.await(Loop.WAIT, "the breaker opened",
        () -> "OPEN".equals(loop.status().getJsonObject("actito").getString("breaker")));
    sleep(2000);
    loop.actito.sandbox().clearFaults(); // ... and answers again, after about five seconds

    // 1 + 30 changes and a few hung calls are well within 60 calls a minute: nothing should wait long
    Eventually.await(Duration.ofSeconds(20), "every change delivered soon after the outage",
        () -> loop.status().getLong("backlog") == 0, this::pacing);
  }

  private String pacing() {
    JsonObject status = loop.status();
    List<RecordedCall> calls = loop.actito.sandbox().calls();
    long since = System.currentTimeMillis() - 61_000;
    return String.format("backlog %d; the gateway counts %d calls in its last minute (of %d allowed), Actito received %d;"
            + " gateway metrics: %s", status.getLong("backlog"), status.getLong("callsLastMinute"), CALLS_PER_MINUTE,
        calls.stream().filter(c -> c.startedAtMs() >= since).count(),
        loop.admin.get("/metrics").body().lines().filter(l -> l.startsWith("actito_calls_total")).toList());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
