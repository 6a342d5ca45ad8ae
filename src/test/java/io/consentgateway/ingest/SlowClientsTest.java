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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections that hold the public port without using it are closed: one that sends nothing, one
 * whose head never ends, one whose body trickles, one left idle after an answer; and a thousand of
 * them do not keep a real webhook from being answered.
 */
class SlowClientsTest {

  private static final int HEADER_TIMEOUT_S = 1;
  private static final int BODY_TIMEOUT_S = 2;
  private static final int IDLE_TIMEOUT_S = 4;

  @TempDir static Path dir;
  static Gateway gateway;
  static GatewayHttp http;
  static String token;

  @BeforeAll
  static void start() {
    gateway = Gateway.start(new TestConfig(dir)
        .server("headerTimeoutSeconds: %d, bodyTimeoutSeconds: %d, idleTimeoutSeconds: %d"
            .formatted(HEADER_TIMEOUT_S, BODY_TIMEOUT_S, IDLE_TIMEOUT_S))
        .load());
    http = new GatewayHttp(gateway.ingestPort());
    token = http.token();
  }

  @AfterAll
  static void stop() {
    gateway.stop();
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAfterTheHeaderTimeout() {
    try (RawHttp silent = RawHttp.connect(gateway.ingestPort())) {
      assertThat(silent.closedWithin((HEADER_TIMEOUT_S + 3) * 1000L)).isTrue();
    }
  }

  @Test
  void aConnectionWhoseHeadNeverEndsIsClosedEvenWhileItKeepsSending() {
    try (RawHttp slowloris = RawHttp.connect(gateway.ingestPort())) {
      slowloris.send("POST /webhooks/didomi/acme HTTP/1.1\r\nHost: gateway\r\n");
      boolean closed = false;
      // one header line every 200 ms: never silent long enough for an idle timeout
      for (int i = 0; i < 40 && !closed; i++) {
        sleep(200);
        closed = !slowloris.trySend("X-Slow-" + i + ": y\r\n");
      }
      assertThat(closed || slowloris.closedWithin(1000)).as("closed within 8 s").isTrue();
    }
  }

  @Test
  void aBodyThatTricklesIsAnswered408AndTheConnectionClosed() {
    try (RawHttp trickle = RawHttp.connect(gateway.ingestPort())) {
      trickle.send("POST /webhooks/didomi/acme HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer " + token
          + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
      // 5 bytes a second: the 1000 bytes would take over three minutes
      for (int i = 0; i < 20 && trickle.trySend(" "); i++) {
        sleep(200);
      }
      String answer = trickle.readResponse();

      assertThat(answer).startsWith("HTTP/1.1 408");
      assertThat(answer).contains("\"error\":\"request_timeout\"");
      assertThat(trickle.closedWithin(2000)).isTrue();
    }
  }

  @Test
  void aKeepAliveConnectionWaitsForItsNextRequestUpToTheIdleTimeoutOnly() {
    try (RawHttp keepAlive = RawHttp.connect(gateway.ingestPort())) {
      keepAlive.send("GET /nothing-here HTTP/1.1\r\nHost: gateway\r\n\r\n");
      assertThat(keepAlive.readResponse()).startsWith("HTTP/1.1 404");

      // between requests the idle timeout applies, not the (shorter) header timeout
      assertThat(keepAlive.closedWithin((HEADER_TIMEOUT_S + 1) * 1000L)).as("open after the header timeout").isFalse();
      assertThat(keepAlive.closedWithin((IDLE_TIMEOUT_S + 3) * 1000L)).as("closed after the idle timeout").isTrue();
    }
  }

  @Test
  void aThousandIdleOrSlowConnectionsNeitherStopTheGatewayNorStayOpen() {
    List<RawHttp> sockets = new ArrayList<>();
    try {
      // given 1 000 connections: half silent, half stuck in the middle of a request head
      for (int i = 0; i < 1000; i++) {
        RawHttp socket = RawHttp.connect(gateway.ingestPort());
        if (i % 2 == 1) {
          socket.send("POST /webhooks/didomi/acme HTTP/1.1\r\nHost: gateway\r\nX-Partial: ");
        }
        sockets.add(socket);
      }

      // when Didomi sends a webhook, then it is answered (the client gives up after 5 s)
      String body = DidomiPayloads.eventCreated(UUID.randomUUID().toString(), "slowloris-" + UUID.randomUUID() + "@example.com",
          "2026-11-20T09:00:00Z", true);
      HttpResponse<String> answer = new GatewayHttp(gateway.ingestPort()).postDidomiAsync("acme", token, body).orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join();
      assertThat(answer.statusCode()).isEqualTo(202);

      // and every one of the 1 000 is closed by the gateway soon after its header timeout
      Eventually.await(Duration.ofSeconds(HEADER_TIMEOUT_S + 15), "the gateway closed all 1 000 connections",
          () -> sockets.stream().allMatch(socket -> socket.closedWithin(1)));
    } finally {
      sockets.forEach(RawHttp::close);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
