package io.consentgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.support.CapturedLog;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.RawHttp;
import io.consentgateway.support.TestConfig;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What callers' mistakes and tricks leave in the log: no forged line, no refused credential, no
 * ERROR and no stack trace. The log is what slf4j-simple writes to standard error.
 */
class ClientErrorLogTest {

  private static final String FORGED = "2026-12-01T00:00:00.000+0000 [vert.x-eventloop-thread-0] [ERROR] Gateway - forged line";

  @TempDir static Path dir;
  static Gateway gateway;
  static GatewayHttp http;
  static String token;

  @BeforeAll
  static void start() {
    gateway = Gateway.start(new TestConfig(dir).load());
    http = new GatewayHttp(gateway.ingestPort());
    token = http.token();
  }

  @AfterAll
  static void stop() {
    gateway.stop();
  }

  @Test
  void aLineBreakInWhatACallerSentCannotForgeALogLine() {
    try (CapturedLog log = CapturedLog.start()) {
      // a client id, and a metadata key (logged once per key when its value is an object), carrying a line break
      RawHttp.exchange(gateway.ingestPort(), RawHttp.tokenRequest("x\n" + FORGED, "wrong"));
      String user = "forge-" + UUID.randomUUID() + "@example.com";
      String body = DidomiPayloads.eventCreated(UUID.randomUUID().toString(), user, "2026-11-20T09:00:00Z", true)
          .replace("\"metadata\":{\"first_name\":\"Test\"}", "\"metadata\":{\"k\\n" + FORGED + "\":{\"nested\":1}}");
      assertThat(http.postDidomi("acme", token, body).statusCode()).isEqualTo(202);
      awaitLogQuiet();

      assertThat(log.text().lines()).noneMatch(line -> line.startsWith(FORGED.substring(0, 20)));
      assertThat(log.text()).contains("k\\u000a2026-12-01");
    }
  }

  @Test
  void aSecretTypedIntoTheClientIdFieldIsNeverLogged() {
    String secret = "the-didomi-client-secret-" + UUID.randomUUID();
    try (CapturedLog log = CapturedLog.start()) {
      String answer = RawHttp.exchange(gateway.ingestPort(), RawHttp.tokenRequest(secret, "anything"));
      String wrongSecret = RawHttp.exchange(gateway.ingestPort(), RawHttp.tokenRequest(TestConfig.CLIENT_ID, secret));
      awaitLogQuiet();

      assertThat(answer).startsWith("HTTP/1.1 401");
      assertThat(wrongSecret).startsWith("HTTP/1.1 401");
      assertThat(log.text()).contains("token refused").doesNotContain(secret).doesNotContain(secret.substring(0, 20));
    }
  }

  @Test
  void brokenBodiesAndCallersHangingUpLogNoErrorAndNoStackTrace() {
    try (CapturedLog log = CapturedLog.start()) {
      String auth = "Authorization: Bearer " + token + "\r\n";
      // a chunk size that is not hex, on both routes that read a body
      RawHttp.exchange(gateway.ingestPort(), "POST /oauth/token HTTP/1.1\r\nHost: gateway\r\n"
          + "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n5\r\ngrant\r\nzz\r\n\r\n");
      RawHttp.exchange(gateway.ingestPort(), "POST /webhooks/didomi/acme HTTP/1.1\r\nHost: gateway\r\n" + auth
          + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
      // and callers that hang up half way through their body
      hangUpMidBody("POST /oauth/token HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/x-www-form-urlencoded\r\n"
          + "Content-Length: 1000\r\n\r\ngrant_type=client");
      hangUpMidBody("POST /webhooks/didomi/acme HTTP/1.1\r\nHost: gateway\r\n" + auth
          + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"type\":");
      awaitLogQuiet();

      assertThat(log.text()).doesNotContain("ERROR").doesNotContain("WARN").doesNotContain("\tat ").doesNotContain("Exception");
      // and the gateway keeps serving
      String fresh = DidomiPayloads.eventCreated(UUID.randomUUID().toString(), "after-" + UUID.randomUUID() + "@example.com",
          "2026-11-20T09:00:00Z", true);
      assertThat(http.postDidomi("acme", token, fresh).statusCode()).isEqualTo(202);
    }
  }

  private static void hangUpMidBody(String partialRequest) {
    try (RawHttp caller = RawHttp.connect(gateway.ingestPort())) {
      caller.send(partialRequest);
      sleep(200);
    }
  }

  /** The event loops log after answering: give them a moment before reading the log. */
  private static void awaitLogQuiet() {
    sleep(500);
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
