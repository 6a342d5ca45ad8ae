package io.consentgateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.support.CapturedLog;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.RawHttp;
import io.consentgateway.support.TestConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code auth.maxFailuresPerMinute}: wrong credentials from one source address are answered 401
 * that many times, then 429 with {@code Retry-After}, without being checked or logged again. Each
 * test plays a caller of its own loopback address.
 */
class FailedAuthenticationThrottleTest {

  private static final int ALLOWED = 5;
  private static final String ACTITO_SECRET = "actito-hook-secret-throttle-0123";
  private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.1 (\\d{3})");

  @TempDir static Path dir;
  static Gateway gateway;

  @BeforeAll
  static void start() {
    gateway = Gateway.start(new TestConfig(dir)
        .authExtras("maxFailuresPerMinute: " + ALLOWED)
        .integrationExtras("""
            bidirectional:
              enabled: true
              webhookHeader: X-Authorization
              webhookSecret: %s
              didomiApi: { baseUrl: "sandbox:0" }
            """.formatted(ACTITO_SECRET))
        .load());
  }

  @AfterAll
  static void stop() {
    gateway.stop();
  }

  @Test
  void afterTheAllowedFailuresAnAddressGets429WithRetryAfterAndIsLoggedOnce() {
    String caller = "127.0.0.11";
    try (CapturedLog log = CapturedLog.start()) {
      // when 200 wrong secrets arrive at once
      List<String> answers = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        answers.add(RawHttp.exchangeFrom(caller, gateway.ingestPort(), RawHttp.tokenRequest(TestConfig.CLIENT_ID, "wrong-" + i)));
      }

      // then the first are refused as wrong, the rest without being checked
      assertThat(answers.subList(0, ALLOWED)).allSatisfy(answer -> assertThat(status(answer)).isEqualTo(401));
      assertThat(answers.subList(ALLOWED, 200)).allSatisfy(answer -> {
        assertThat(status(answer)).isEqualTo(429);
        assertThat(answer).containsPattern("(?i)retry-after: [1-9][0-9]*\r\n");
        assertThat(answer).contains("\"error\":\"too_many_failures\"");
      });
      // and the log holds one line per checked failure and one saying the address is throttled
      assertThat(log.text().lines().filter(line -> line.contains(caller))).hasSize(ALLOWED + 1);
    }
  }

  @Test
  void aThrottledAddressIsRefusedEvenWithTheRightSecret() {
    String caller = "127.0.0.12";
    for (int i = 0; i < ALLOWED; i++) {
      RawHttp.exchangeFrom(caller, gateway.ingestPort(), RawHttp.tokenRequest(TestConfig.CLIENT_ID, "wrong-" + i));
    }

    String right = RawHttp.exchangeFrom(caller, gateway.ingestPort(), RawHttp.tokenRequest(TestConfig.CLIENT_ID, TestConfig.CLIENT_SECRET));

    assertThat(status(right)).isEqualTo(429);
    assertThat(right).doesNotContain("access_token");
  }

  @Test
  void anotherAddressIsNotThrottled() {
    for (int i = 0; i < ALLOWED + 3; i++) {
      RawHttp.exchangeFrom("127.0.0.13", gateway.ingestPort(), RawHttp.tokenRequest(TestConfig.CLIENT_ID, "wrong-" + i));
    }

    String other = RawHttp.exchangeFrom("127.0.0.14", gateway.ingestPort(), RawHttp.tokenRequest(TestConfig.CLIENT_ID, TestConfig.CLIENT_SECRET));

    assertThat(status(other)).isEqualTo(200);
  }

  @Test
  void wrongActitoWebhookSecretsCountAsFailures() {
    String caller = "127.0.0.15";
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < ALLOWED + 2; i++) {
      statuses.add(status(RawHttp.exchangeFrom(caller, gateway.ingestPort(), actitoWebhook("wrong-secret-" + i))));
    }

    assertThat(statuses.subList(0, ALLOWED)).containsOnly(401);
    assertThat(statuses.subList(ALLOWED, ALLOWED + 2)).containsOnly(429);
  }

  @Test
  void forgedBearerTokensAreRefusedButNeverThrottleTheTokenEndpoint() {
    // a bearer token cannot be guessed (HS256, a 32+ character key); after a key change Didomi sends
    // stale ones until it fetches a new token, which must not then be refused
    GatewayHttp http = new GatewayHttp(gateway.ingestPort());
    for (int i = 0; i < 3 * ALLOWED; i++) {
      assertThat(http.postDidomi("acme", "forged.token." + i, "{}").statusCode()).isEqualTo(401);
    }

    assertThat(http.requestToken(TestConfig.CLIENT_ID, TestConfig.CLIENT_SECRET).statusCode()).isEqualTo(200);
  }

  private static String actitoWebhook(String secret) {
    String body = "{\"id\":\"x\",\"data\":{}}";
    return "POST /webhooks/actito/acme HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\nX-Authorization: " + secret
        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
  }

  private static int status(String answer) {
    Matcher matcher = STATUS.matcher(answer);
    assertThat(matcher.find()).as("an HTTP answer: %s", answer).isTrue();
    return Integer.parseInt(matcher.group(1));
  }
}
