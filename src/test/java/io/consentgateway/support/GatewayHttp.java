package io.consentgateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real HTTP client on loopback, speaking to the gateway the way Didomi does. */
public final class GatewayHttp {

  private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");

  private final HttpClient client = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5))
      .version(HttpClient.Version.HTTP_1_1)
      .build();
  private final String base;

  public GatewayHttp(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  public HttpResponse<String> requestToken(String clientId, String secret) {
    String form = "grant_type=client_credentials&client_id=" + clientId + "&client_secret=" + secret;
    return send(HttpRequest.newBuilder(URI.create(base + "/oauth/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form))
        .build());
  }

  public HttpResponse<String> requestTokenBasic(String clientId, String secret) {
    String basic = Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
    return send(HttpRequest.newBuilder(URI.create(base + "/oauth/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Authorization", "Basic " + basic)
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
        .build());
  }

  /** A valid token for the test client. */
  public String token() {
    HttpResponse<String> response = requestToken(TestConfig.CLIENT_ID, TestConfig.CLIENT_SECRET);
    Matcher matcher = ACCESS_TOKEN.matcher(response.body());
    if (response.statusCode() != 200 || !matcher.find()) {
      throw new IllegalStateException("no token: " + response.statusCode() + " " + response.body());
    }
    return matcher.group(1);
  }

  public HttpResponse<String> postDidomi(String integration, String token, String body) {
    return send(didomiRequest(integration, token, body));
  }

  /** As {@link #postDidomi(String, String, String)}, with the body's exact bytes (which may not be UTF-8). */
  public HttpResponse<String> postDidomi(String integration, String token, byte[] body) {
    return send(didomiRequest(integration, token, HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  public CompletableFuture<HttpResponse<String>> postDidomiAsync(String integration, String token, String body) {
    return client.sendAsync(didomiRequest(integration, token, body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest didomiRequest(String integration, String token, String body) {
    return didomiRequest(integration, token, HttpRequest.BodyPublishers.ofString(body));
  }

  private HttpRequest didomiRequest(String integration, String token, HttpRequest.BodyPublisher body) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + "/webhooks/didomi/" + integration))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(body);
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    return builder.build();
  }

  public HttpResponse<String> postActito(String integration, String header, String secret, String body) {
    return postActito(integration, header, secret, HttpRequest.BodyPublishers.ofString(body));
  }

  /** As {@link #postActito(String, String, String, String)}, with the body's exact bytes. */
  public HttpResponse<String> postActito(String integration, String header, String secret, byte[] body) {
    return postActito(integration, header, secret, HttpRequest.BodyPublishers.ofByteArray(body));
  }

  private HttpResponse<String> postActito(String integration, String header, String secret, HttpRequest.BodyPublisher body) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + "/webhooks/actito/" + integration))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(body);
    if (secret != null) {
      builder.header(header, secret);
    }
    return send(builder.build());
  }

  // every request has a deadline: an answer that never comes fails the request, never hangs the test
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  public HttpResponse<String> post(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT)
        .POST(HttpRequest.BodyPublishers.noBody()).build());
  }

  public HttpResponse<String> delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT).DELETE().build());
  }

  public HttpResponse<String> get(String path) {
    return get(path, REQUEST_TIMEOUT);
  }

  /** A GET that gives up after {@code timeout} (an {@link UncheckedIOException}). */
  public HttpResponse<String> get(String path, Duration timeout) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).GET().build());
  }

  public HttpResponse<String> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
