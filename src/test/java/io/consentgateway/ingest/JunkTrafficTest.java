package io.consentgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.RawHttp;
import io.consentgateway.support.TestConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Junk on the public port costs nothing that stays: no metric series, and a JSON answer. */
class JunkTrafficTest {

  @TempDir static Path dir;
  static Gateway gateway;
  static GatewayHttp http;
  static GatewayHttp admin;
  static String token;

  @BeforeAll
  static void start() {
    gateway = Gateway.start(new TestConfig(dir).load());
    http = new GatewayHttp(gateway.ingestPort());
    admin = new GatewayHttp(gateway.adminPort());
    token = http.token();
  }

  @AfterAll
  static void stop() {
    gateway.stop();
  }

  @Test
  void inventedMethodsUnknownRoutesAndUnknownIntegrationsAddNoMetricSeries() {
    // given one request of every junk shape, so that the series a first refusal legitimately adds exist
    sendJunk(1);
    httpAndGatewaySeries(); // and of the scrape itself
    List<String> before = httpAndGatewaySeries();

    // when 300 more arrive, each with a name never seen before
    sendJunk(100);

    // then not one series was added
    List<String> after = httpAndGatewaySeries();
    assertThat(after).as("series added by junk").filteredOn(series -> !before.contains(series)).isEmpty();
    assertThat(after).hasSameSizeAs(before);
    // and the junk is still counted, under fixed names
    assertThat(after).anyMatch(series -> series.startsWith("vertx_http_server_requests_total{")
        && series.contains("method=\"OTHER\"") && series.contains("code=\"405\""));
    assertThat(after).anyMatch(series -> series.startsWith("vertx_http_server_requests_total{")
        && series.contains("route=\"none\"") && series.contains("code=\"404\""));
    assertThat(after).anyMatch(series -> series.startsWith("gateway_webhooks_total{")
        && series.contains("integration=\"unknown\"") && series.contains("reason=\"unknown_integration\""));
  }

  @Test
  void anHttpVersionOtherThan10Or11IsAnswered505InJson() {
    for (int port : List.of(gateway.ingestPort(), gateway.adminPort())) {
      String answer = RawHttp.exchange(port, "GET /webhooks/didomi/acme HTTP/1.2\r\nHost: gateway\r\n\r\n");

      assertThat(answer).matches("(?s)HTTP/1\\.[0-9] 505 .*");
      assertThat(answer).contains("\"error\":\"http_version_not_supported\"");
    }
  }

  @Test
  void aRequestHeadTooLargeToReadIsAnsweredInJson() {
    String answer = RawHttp.exchange(gateway.ingestPort(),
        "GET /webhooks/didomi/acme HTTP/1.1\r\nHost: gateway\r\nX-Huge: " + "h".repeat(20_000) + "\r\n\r\n");

    assertThat(answer).startsWith("HTTP/1.1 431");
    assertThat(answer).contains("\"error\":\"request_header_fields_too_large\"");
  }

  @Test
  void h2cIsNotServedUnlessConfigured() {
    HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    HttpRequest upgrade = HttpRequest.newBuilder(publicUri("/nothing-here")).GET().build();

    // an Upgrade: h2c is ignored, HTTP/2 with prior knowledge is not HTTP/1.x: 505
    assertThat(send(h2, upgrade).version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    // (Vert.x echoes the request's version in the status line: an HTTP/1 text answer, not HTTP/2 frames)
    assertThat(RawHttp.exchange(gateway.ingestPort(), "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
        .matches("(?s)HTTP/2\\.0 505 .*\"error\":\"http_version_not_supported\".*");

    TestConfig withH2c = new TestConfig(dir.resolve("h2c")).server("h2c: true");
    Gateway h2cGateway = Gateway.start(withH2c.load());
    try {
      HttpRequest upgradeThere = HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + h2cGateway.ingestPort() + "/nothing-here")).GET().build();
      assertThat(send(h2, upgradeThere).version()).isEqualTo(HttpClient.Version.HTTP_2);
    } finally {
      h2cGateway.stop();
    }
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void sendJunk(int each) {
    for (int i = 0; i < each; i++) {
      String junk = "J" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toUpperCase();
      HttpResponse<String> method = http.send(HttpRequest.newBuilder(publicUri("/webhooks/didomi/acme"))
          .method(junk, HttpRequest.BodyPublishers.noBody()).build());
      HttpResponse<String> route = http.get("/" + junk.toLowerCase() + "/" + i);
      HttpResponse<String> integration = http.postDidomi(junk.toLowerCase(), token, "{}");
      assertThat(List.of(method.statusCode(), route.statusCode(), integration.statusCode()))
          .allSatisfy(status -> assertThat(status).isBetween(400, 499));
    }
  }

  /** Every series of the HTTP server's and the gateway's own metrics, as Prometheus lists them. */
  private static List<String> httpAndGatewaySeries() {
    String scrape = admin.get("/metrics").body();
    return scrape.lines()
        .filter(line -> line.startsWith("vertx_http_server_") || line.startsWith("gateway_webhooks"))
        .map(line -> line.substring(0, line.lastIndexOf(' ')))
        .collect(Collectors.toList());
  }

  private static URI publicUri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.ingestPort() + path);
  }
}
