package io.consentgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.StoreFile;
import io.consentgateway.support.TestConfig;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Overload, store failure and source filtering: never a 2xx for a change that is not stored. */
class IngestBackpressureTest {

  @TempDir Path dir;

  @Test
  void overloadWithATinyQueueAnswers503WithRetryAfterAndNever2xxForALostChange() {
    TestConfig config = new TestConfig(dir).queue(1, 1);
    Gateway gateway = Gateway.start(config.load());
    try {
      GatewayHttp http = new GatewayHttp(gateway.ingestPort());
      String token = http.token();
      List<String> users = new ArrayList<>();
      List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        String user = "burst-" + i + "@example.com";
        users.add(user);
        responses.add(http.postDidomiAsync("acme", token, DidomiPayloads.eventCreated("evt-" + i, user, "2026-11-20T09:00:00Z", true)));
      }

      Set<String> acknowledged = new HashSet<>();
      int refused = 0;
      for (int i = 0; i < responses.size(); i++) {
        HttpResponse<String> response = responses.get(i).join();
        if (response.statusCode() / 100 == 2) {
          acknowledged.add(users.get(i));
        } else {
          assertThat(response.statusCode()).isEqualTo(503);
          assertThat(response.headers().firstValue("Retry-After")).isPresent();
          assertThat(response.body()).contains("\"error\":\"unavailable\"");
          refused++;
        }
      }

      assertThat(refused).as("a queue of one must overflow under 400 concurrent webhooks").isPositive();
      Set<String> stored = new StoreFile(config.storePath()).strings("SELECT user_key FROM webhook_inbox");
      assertThat(stored).containsAll(acknowledged);
      assertThat(stored).hasSameSizeAs(acknowledged);
    } finally {
      gateway.stop();
    }
  }

  @Test
  void closedStoreAnswers503AndTheProcessKeepsServing() {
    TestConfig config = new TestConfig(dir);
    Gateway gateway = Gateway.start(config.load());
    try {
      GatewayHttp http = new GatewayHttp(gateway.ingestPort());
      String token = http.token();
      gateway.store().close().await();

      HttpResponse<String> response = http.postDidomi("acme", token, DidomiPayloads.eventCreated("closed-1", "closed@example.com", "2026-11-20T09:00:00Z", true));

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.headers().firstValue("Retry-After")).isPresent();
      assertThat(new StoreFile(config.storePath()).inboxRows()).isZero();
      assertThat(http.requestToken(TestConfig.CLIENT_ID, TestConfig.CLIENT_SECRET).statusCode()).isEqualTo(200);
      assertThat(new GatewayHttp(gateway.adminPort()).get("/health/ready").statusCode()).isEqualTo(503);
    } finally {
      gateway.stop();
    }
  }

  @Test
  void sourceAddressOutsideTheAllowListIsRefusedWith403() {
    TestConfig config = new TestConfig(dir).allowedIps("[35.159.1.63]");
    Gateway gateway = Gateway.start(config.load());
    try {
      GatewayHttp http = new GatewayHttp(gateway.ingestPort());
      String token = http.token();

      HttpResponse<String> response = http.postDidomi("acme", token, DidomiPayloads.eventCreated("ip-1", "ip@example.com", "2026-11-20T09:00:00Z", true));

      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(response.body()).contains("\"error\":\"forbidden\"");
      assertThat(new StoreFile(config.storePath()).inboxRows()).isZero();
    } finally {
      gateway.stop();
    }
  }

  @Test
  void loopbackInTheAllowListIsAccepted() {
    TestConfig config = new TestConfig(dir).allowedIps("[35.159.1.63, 127.0.0.1]");
    Gateway gateway = Gateway.start(config.load());
    try {
      GatewayHttp http = new GatewayHttp(gateway.ingestPort());

      HttpResponse<String> response = http.postDidomi("acme", http.token(), DidomiPayloads.eventCreated("ip-2", "ip@example.com", "2026-11-20T09:00:00Z", true));

      assertThat(response.statusCode()).isEqualTo(202);
    } finally {
      gateway.stop();
    }
  }
}
