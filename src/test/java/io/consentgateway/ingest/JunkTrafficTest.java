package io.consentgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.TestConfig;
import java.net.URI;
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
