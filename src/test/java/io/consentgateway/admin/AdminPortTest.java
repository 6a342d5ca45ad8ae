package io.consentgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.TestConfig;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The admin port: open health and metrics, the operator API behind {@code admin.token}. */
class AdminPortTest {

  private static final String ADMIN_TOKEN = "operator-token-0123456789";

  @TempDir static Path dir;
  static Gateway gateway;
  static GatewayHttp admin;

  @BeforeAll
  static void start() {
    gateway = Gateway.start(new TestConfig(dir).adminToken(ADMIN_TOKEN).load());
    admin = new GatewayHttp(gateway.adminPort());
  }

  @AfterAll
  static void stop() {
    gateway.stop();
  }

  @Test
  void healthAndMetricsNeedNoToken() {
    assertThat(admin.get("/health/live").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = admin.get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("\"status\":\"UP\"").contains("\"integrations\"");
    HttpResponse<String> metrics = admin.get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("gateway_store_queue_depth").contains("gateway_dispatch_backlog");
  }

  @Test
  void operatorApiRefusesAMissingOrWrongToken() {
    HttpResponse<String> none = admin.get("/admin/integrations/acme/status");
    HttpResponse<String> wrong = authorized("/admin/integrations/acme/status", "not-the-token");

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.body()).contains("\"error\":\"unauthorized\"").doesNotContain(ADMIN_TOKEN);
    assertThat(wrong.statusCode()).isEqualTo(401);
  }

  @Test
  void operatorApiAnswersTheRightToken() {
    HttpResponse<String> status = authorized("/admin/integrations/acme/status", ADMIN_TOKEN);

    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(status.body()).contains("\"backlog\":0").contains("\"breaker\"");
  }

  @Test
  void badPagingIsA400() {
    assertThat(authorized("/admin/integrations/acme/dead-letters?limit=abc", ADMIN_TOKEN).statusCode()).isEqualTo(400);
    assertThat(authorized("/admin/integrations/acme/dead-letters?limit=100000", ADMIN_TOKEN).statusCode()).isEqualTo(400);
    assertThat(authorized("/admin/integrations/acme/dead-letters?offset=-1", ADMIN_TOKEN).statusCode()).isEqualTo(400);
    assertThat(authorized("/admin/integrations/acme/dead-letters?offset=1&offset=2", ADMIN_TOKEN).statusCode()).isEqualTo(400);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"\u0665\u0660", "\uff15", "\u09e7", "+5", " 5", "5 ", "0x10", "99999999999"})
  void pagingTakesAsciiDigitsOnly(String number) {
    String encoded = URLEncoder.encode(number, StandardCharsets.UTF_8);

    assertThat(authorized("/admin/integrations/acme/dead-letters?limit=" + encoded, ADMIN_TOKEN).statusCode()).isEqualTo(400);
    assertThat(authorized("/admin/integrations/acme/dead-letters?offset=" + encoded, ADMIN_TOKEN).statusCode()).isEqualTo(400);
  }

  @Test
  void pagingWithAsciiDigitsIsServed() {
    HttpResponse<String> page = authorized("/admin/integrations/acme/dead-letters?offset=0&limit=50", ADMIN_TOKEN);

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("\"limit\":50");
  }

  @Test
  void unknownIntegrationAndUnknownDeadLetterAre404() {
    assertThat(authorized("/admin/integrations/globex/dead-letters", ADMIN_TOKEN).statusCode()).isEqualTo(404);
    HttpResponse<String> discard = admin.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + gateway.adminPort() + "/admin/integrations/acme/dead-letters/nobody@example.com"))
        .header("Authorization", "Bearer " + ADMIN_TOKEN).DELETE().build());
    assertThat(discard.statusCode()).isEqualTo(404);
    assertThat(discard.body()).contains("\"error\"");
  }

  private HttpResponse<String> authorized(String path, String token) {
    return admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
        .header("Authorization", "Bearer " + token).GET().build());
  }
}
