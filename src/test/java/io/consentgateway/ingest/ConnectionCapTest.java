package io.consentgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.RawHttp;
import io.consentgateway.support.TestConfig;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code server.maxConnections}: never more open connections than that, and a cap filled with
 * connections that send nothing still lets a real request in, by closing the oldest idle one.
 */
class ConnectionCapTest {

  private static final int MAX_CONNECTIONS = 20;

  @TempDir static Path dir;
  static Gateway gateway;
  static GatewayHttp http;
  static String token;

  @BeforeAll
  static void start() {
    // timeouts far longer than the test: whatever gets closed here is closed by the cap
    gateway = Gateway.start(new TestConfig(dir)
        .server("maxConnections: %d, headerTimeoutSeconds: 600, idleTimeoutSeconds: 600".formatted(MAX_CONNECTIONS))
        .load());
    http = new GatewayHttp(gateway.ingestPort());
    token = http.token();
  }

  @AfterAll
  static void stop() {
    gateway.stop();
  }

  @Test
  void neverMoreThanTheCapAreOpenAndARealRequestStillGetsIn() {
    List<RawHttp> sockets = new ArrayList<>();
    try {
      // given five times the cap in connections that send nothing
      for (int i = 0; i < 5 * MAX_CONNECTIONS; i++) {
        sockets.add(RawHttp.connect(gateway.ingestPort()));
      }

      // then all but the cap are closed
      Eventually.await(Duration.ofSeconds(10), "at most " + MAX_CONNECTIONS + " connections left open",
          () -> open(sockets) <= MAX_CONNECTIONS);

      // and a webhook is still answered, on a connection of its own
      String body = DidomiPayloads.eventCreated(UUID.randomUUID().toString(), "capped-" + UUID.randomUUID() + "@example.com",
          "2026-11-20T09:00:00Z", true);
      HttpResponse<String> answer = new GatewayHttp(gateway.ingestPort()).postDidomiAsync("acme", token, body).orTimeout(5, TimeUnit.SECONDS).join();
      assertThat(answer.statusCode()).isEqualTo(202);
      assertThat(open(sockets)).isLessThanOrEqualTo(MAX_CONNECTIONS);
    } finally {
      sockets.forEach(RawHttp::close);
    }
  }

  private static long open(List<RawHttp> sockets) {
    return sockets.stream().filter(socket -> !socket.closedWithin(1)).count();
  }
}
