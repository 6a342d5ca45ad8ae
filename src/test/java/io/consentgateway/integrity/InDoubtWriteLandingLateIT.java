package io.consentgateway.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.sandbox.FaultRule;
import io.consentgateway.support.Eventually;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Found attacking the packaged jar (issue 9, F5): a write that timed out is not a write that
 * failed. Actito may apply it later — here 4 s after it was sent, when the gateway (2 s timeout)
 * has long sent and had acknowledged the person's newer withdrawal. Without a re-send of the
 * whole state once the write in doubt could have landed, Actito keeps the older subscribe for good
 * while the gateway believes it holds the withdrawal (guarantees 1 and 3).
 */
class InDoubtWriteLandingLateIT {

  private static final String USER = "in-doubt@example.com";

  @TempDir Path dir;
  private Loop loop;

  @BeforeEach
  void start() {
    loop = new Loop(dir, 100_000, true,
        config -> config.dispatch("{ initialBackoffMs: 50, maxBackoffMs: 500, maxAttempts: 25, inDoubtRecheckMs: 6000 }"));
  }

  @AfterEach
  void stop() {
    loop.close();
  }

  @Test
  void aSubscribeThatTimedOutAndLandsAfterTheWithdrawalIsUndone() throws Exception {
    // the next profile write is applied 4 s after it arrives; the gateway gives up on it after 2 s
    loop.actito.sandbox().addFault(new FaultRule(0, 1, 1.0, null, false, 4_000, null).onPathsContaining("Customers/profile"));
    newsletter(true);
    // the gateway gives up on it (2 s): the sandbox sees the connection closed, unanswered
    Eventually.await(Duration.ofSeconds(10), "the subscribe timed out", () -> loop.actito.sandbox().calls().stream()
        .anyMatch(call -> call.path().contains("Customers/profile") && call.status() == 0 && call.endedAtMs() > 0));

    newsletter(false); // she withdraws: sent and acknowledged while the first write is still held
    Eventually.await(Duration.ofSeconds(10), "the withdrawal delivered",
        () -> !loop.actito.subscriptions(USER).map(s -> s.get(Consent.NEWSLETTER)).orElse(true));
    Thread.sleep(3_000); // the held subscribe lands now, on top of the withdrawal
    // the re-send, 6 s after the write in doubt: a write that reaches Actito after the held one landed
    long landed = loop.actito.sandbox().calls().stream().filter(call -> call.path().contains("Customers/profile"))
        .findFirst().orElseThrow().startedAtMs() + 4_000;
    Eventually.await(Duration.ofSeconds(15), "the whole state sent again", () -> loop.actito.sandbox().calls().stream()
        .anyMatch(call -> call.path().contains("Customers/profile") && call.startedAtMs() > landed && call.status() == 200),
        () -> loop.actito.sandbox().calls().stream().map(c -> c.method() + " " + c.path() + " " + c.status() + " "
            + c.requestBody()).collect(java.util.stream.Collectors.joining("\n")) + "\n" + loop.view(USER));
    loop.awaitQuiet(USER);

    String calls = loop.actito.sandbox().calls().stream().map(Object::toString)
        .collect(java.util.stream.Collectors.joining("\n"));
    assertThat(loop.actito.subscriptions(USER)).as("Actito, after the late write\nuser view: " + loop.view(USER)
            + "\ncalls:\n" + calls)
        .hasValue(Map.of(Consent.NEWSLETTER, false));
    assertThat(loop.view(USER)).as(calls).contains("in doubt");
  }

  private void newsletter(boolean enabled) {
    loop.didomi.changeConsents(USER, new JsonObject().put("purposes", new JsonArray()
        .add(new JsonObject().put("id", "newsletter").put("enabled", enabled)))).await();
  }
}
