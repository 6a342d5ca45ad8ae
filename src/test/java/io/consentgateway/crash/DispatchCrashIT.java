package io.consentgateway.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.sandbox.FaultRule;
import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.GatewayProcess;
import io.consentgateway.support.TestConfig;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * At-least-once across a crash: the real jar under load and dispatching to a slow Actito sandbox
 * (in this JVM, so it outlives the gateway), {@code kill -9} mid-dispatch, restart, Didomi's
 * retries of what was never acknowledged. Actito must end at the newest change of every user.
 */
class DispatchCrashIT {

  private static final int USERS = 300;

  @TempDir Path dir;

  private record Change(String user, int seq, boolean newsletter) {}

  @Test
  void killedMidDispatchTheGatewayResumesAndActitoEndsAtTheOracle() throws Exception {
    Random random = new Random(42);
    List<Change> changes = new ArrayList<>();
    Map<String, Change> newest = new HashMap<>();
    for (int u = 0; u < USERS; u++) {
      for (int c = 0; c < 4; c++) {
        Change change = new Change("crash-" + u + "@example.com", c * 1000 + random.nextInt(1000), random.nextBoolean());
        changes.add(change);
        newest.merge(change.user(), change, (a, b) -> a.seq() > b.seq() ? a : b);
      }
    }
    Collections.shuffle(changes, random);

    try (ActitoSandboxServer actito = new ActitoSandboxServer()) {
      actito.sandbox().addFault(FaultRule.latency(20).onPathsContaining("/profile"));
      TestConfig config = new TestConfig(dir).actito(actito.baseUrl(), true);
      Set<Change> acknowledged = ConcurrentHashMap.newKeySet();

      try (GatewayProcess gateway = GatewayProcess.start(config, dir, Map.of())) {
        GatewayHttp http = new GatewayHttp(config.port());
        String token = http.token();
        Semaphore window = new Semaphore(32);
        CountDownLatch done = new CountDownLatch(changes.size());
        for (int i = 0; i < changes.size(); i++) {
          Change change = changes.get(i);
          window.acquire();
          http.postDidomiAsync("acme", token, DidomiPayloads.eventWithSeq(change.user(), change.seq(), change.newsletter()))
              .whenComplete((response, error) -> {
                if (error == null && response.statusCode() / 100 == 2) {
                  acknowledged.add(change);
                }
                window.release();
                done.countDown();
              });
          if (i == changes.size() / 2) {
            // some users delivered and more on their way: the kill lands mid-dispatch
            Eventually.await(Duration.ofSeconds(30), "dispatch under way", () -> actito.sandbox().profiles().size() >= 10);
            gateway.kill9();
          }
        }
        assertThat(done.await(120, TimeUnit.SECONDS)).isTrue();
      }
      int profilesAtCrash = actito.sandbox().profiles().size();
      assertThat(profilesAtCrash).as("some users reached Actito before the crash").isPositive();
      assertThat(acknowledged).hasSizeLessThan(changes.size());

      try (GatewayProcess restarted = GatewayProcess.start(config, dir, Map.of())) {
        GatewayHttp http = new GatewayHttp(config.port());
        String token = http.token();
        for (Change change : changes) {
          if (!acknowledged.contains(change)) { // Didomi retries what got no 2xx
            assertThat(http.postDidomi("acme", token, DidomiPayloads.eventWithSeq(change.user(), change.seq(), change.newsletter()))
                .statusCode()).isBetween(200, 299);
          }
        }
        GatewayHttp admin = new GatewayHttp(config.adminPort());
        Eventually.await(Duration.ofSeconds(120), "every change delivered after the restart", () -> {
          JsonObject status = new JsonObject(admin.get("/admin/integrations/acme/status").body());
          return status.getLong("backlog") == 0 && status.getInteger("inFlight") == 0;
        });

        for (Change expected : newest.values()) {
          assertThat(actito.subscriptions(expected.user())).as(expected.user()).hasValue(Map.of("Newsletter", expected.newsletter()));
          assertThat(actito.attributes(expected.user()).orElseThrow()).as(expected.user())
              .containsEntry("seq", Integer.toString(expected.seq()));
        }
        assertThat(restarted.terminate()).isZero();
      }
    }
  }
}
