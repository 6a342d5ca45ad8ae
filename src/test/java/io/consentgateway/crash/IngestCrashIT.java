package io.consentgateway.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.GatewayProcess;
import io.consentgateway.support.StoreFile;
import io.consentgateway.support.TestConfig;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 1, durable before acknowledged: the real jar, a few thousand concurrent webhooks, a
 * {@code kill -9} in mid-stream, a restart on the same file. Every webhook that got a 2xx must be
 * in the store.
 */
class IngestCrashIT {

  private static final int WEBHOOKS = 3000;

  @TempDir Path dir;

  @Test
  void everyAcknowledgedWebhookSurvivesKill9() throws Exception {
    TestConfig config = new TestConfig(dir);
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicInteger failed = new AtomicInteger();

    try (GatewayProcess gateway = GatewayProcess.start(config, dir, Map.of())) {
      GatewayHttp http = new GatewayHttp(config.port());
      String token = http.token();
      Semaphore inFlight = new Semaphore(64);
      CountDownLatch done = new CountDownLatch(WEBHOOKS);
      for (int i = 0; i < WEBHOOKS; i++) {
        String user = "crash-" + i + "@example.com";
        inFlight.acquire();
        http.postDidomiAsync("acme", token, DidomiPayloads.eventCreated("crash-evt-" + i, user, "2026-11-20T09:00:00Z", true))
            .whenComplete((response, error) -> {
              if (error == null && response.statusCode() / 100 == 2) {
                acknowledged.add(user);
              } else {
                failed.incrementAndGet();
              }
              inFlight.release();
              done.countDown();
            });
        if (i == WEBHOOKS / 3) {
          // mid-stream, with ~64 requests in flight and more queued behind them
          gateway.kill9();
        }
      }
      assertThat(done.await(120, TimeUnit.SECONDS)).isTrue();
    }

    assertThat(acknowledged).as("some webhooks were acknowledged before the kill").isNotEmpty();
    assertThat(failed.get()).as("the kill cut the stream").isPositive();

    // restart on the same file: SQLite recovers the WAL, and everything acknowledged is there
    try (GatewayProcess restarted = GatewayProcess.start(config, dir, Map.of())) {
      Set<String> stored = new StoreFile(config.storePath()).strings("SELECT user_key FROM webhook_inbox");
      assertThat(stored).containsAll(acknowledged);
      // and merged into the user's state (which the dispatcher may since have sent)
      Set<String> merged = new StoreFile(config.storePath()).strings("SELECT user_key FROM user_state WHERE desired IS NOT NULL");
      assertThat(merged).containsAll(acknowledged);

      // and a redelivery of an acknowledged webhook is still recognised after the restart
      GatewayHttp http = new GatewayHttp(config.port());
      String user = acknowledged.iterator().next();
      String index = user.substring("crash-".length(), user.indexOf('@'));
      HttpResponse<String> again = http.postDidomi("acme", http.token(),
          DidomiPayloads.eventCreated("crash-evt-" + index, user, "2026-11-20T09:00:00Z", true));
      assertThat(again.statusCode()).isEqualTo(200);
      assertThat(again.body()).contains("duplicate");
      assertThat(restarted.terminate()).isZero();
    }
  }

  @Test
  void sigtermFinishesInFlightWorkClosesTheStoreAndExitsZero() throws Exception {
    TestConfig config = new TestConfig(dir);
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    int exitCode;
    GatewayProcess gateway = GatewayProcess.start(config, dir, Map.of());
    try {
      GatewayHttp http = new GatewayHttp(config.port());
      String token = http.token();
      for (int i = 0; i < 200; i++) {
        String user = "term-" + i + "@example.com";
        HttpResponse<String> response = http.postDidomi("acme", token, DidomiPayloads.eventCreated("term-" + i, user, "2026-11-20T09:00:00Z", false));
        if (response.statusCode() / 100 == 2) {
          acknowledged.add(user);
        }
      }
      exitCode = gateway.terminate();
    } finally {
      gateway.close();
    }

    assertThat(exitCode).as(gateway.log()).isZero();
    assertThat(gateway.log()).contains("store writer stopped").contains("consent-gateway stopped");
    assertThat(acknowledged).hasSize(200);
    assertThat(new StoreFile(config.storePath()).strings("SELECT user_key FROM webhook_inbox")).containsAll(acknowledged);
  }
}
