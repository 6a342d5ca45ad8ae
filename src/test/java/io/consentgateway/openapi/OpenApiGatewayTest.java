package io.consentgateway.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.consentgateway.admin.AdminVerticle;
import io.consentgateway.app.Gateway;
import io.consentgateway.ingest.IngestVerticle;
import io.consentgateway.sandbox.actito.ActitoSandbox;
import io.consentgateway.sandbox.FaultRule;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.Examples;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.TestConfig;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.deployment.DeploymentContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.common.dsl.SchemaType;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.Response;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatableResponse;
import io.vertx.openapi.validation.ValidatorException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document against a started gateway: the routes its routers really serve are the
 * document's operations, the admin port serves the document, and real answers of both ports
 * validate against it (vertx-openapi's {@link ResponseValidator}), so the document cannot drift
 * from the code.
 */
class OpenApiGatewayTest {

  private static final String ADMIN_TOKEN = "operator-token-openapi-0123456789";
  private static final String ACTITO_SECRET = "actito-hook-secret-openapi";
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String DELIVERED = "ann.martin@example.com";
  private static final String REJECTED = "rejected@example.com";

  @TempDir static Path dir;
  static Gateway gateway;
  static GatewayHttp http;
  static GatewayHttp admin;
  static Vertx vertx;
  static OpenAPIContract contract;
  static ResponseValidator validator;
  static JsonObject document;

  @BeforeAll
  static void start() {
    gateway = Gateway.start(new TestConfig(dir)
        .adminToken(ADMIN_TOKEN)
        .actito("sandbox:0", true)
        .integrationExtras("""
            bidirectional:
              enabled: true
              webhookHeader: X-Authorization
              webhookSecret: %s
              didomiApi: { baseUrl: "sandbox:0" }
            """.formatted(ACTITO_SECRET))
        .load());
    http = new GatewayHttp(gateway.ingestPort());
    admin = new GatewayHttp(gateway.adminPort());
    vertx = Vertx.vertx();
    document = OpenApiSpec.document();
    contract = OpenApiSpec.contract(vertx, document);
    validator = ResponseValidator.create(vertx, contract);

    // one user delivered to Actito, one dead letter: the operator views have something to show
    String token = http.token();
    assertThat(http.postDidomi("acme", token, Examples.read("didomi/event.created.json")).statusCode()).isEqualTo(202);
    Eventually.await(WAIT, "the first user reaches Actito", () -> status().getInteger("backlog") == 0
        && gateway.sandbox("acme", ActitoSandbox.class).profile(DELIVERED).isPresent());
    gateway.sandbox("acme", ActitoSandbox.class).addFault(FaultRule.fraction(1.0, 400).onPathsContaining("/profile"));
    assertThat(http.postDidomi("acme", token, DidomiPayloads.eventWithSeq(REJECTED, 1, true)).statusCode()).isEqualTo(202);
    Eventually.await(WAIT, "a dead letter", () -> status().getInteger("deadLetters") == 1);
    gateway.sandbox("acme", ActitoSandbox.class).clearFaults();
  }

  @AfterAll
  static void stop() {
    if (vertx != null) {
      vertx.close().await();
    }
    gateway.stop();
  }

  // --- routes ----------------------------------------------------------------------------------

  @Test
  void everyServedRouteIsDescribedAndEveryDescribedOperationIsServed() {
    Map<String, Set<String>> described = describedOperations();
    Set<String> adminRoutes = endpoints(adminRouter());
    List<Router> ingest = ingestRouters();

    assertThat(adminRoutes).as("admin port: served (actual) vs. described (expected)")
        .containsExactlyInAnyOrderElementsOf(described.get("admin"));
    assertThat(ingest).as("one router per ingest verticle").hasSize(2);
    for (Router router : ingest) {
      assertThat(endpoints(router)).as("public port: served (actual) vs. described (expected)")
          .containsExactlyInAnyOrderElementsOf(described.get("public"));
    }
  }

  @Test
  void theOnlyRouteServingEveryMethodIsTheAdminGuard() {
    Set<String> middleware = new TreeSet<>();
    middleware(adminRouter(), middleware);
    for (Router router : ingestRouters()) {
      middleware(router, middleware);
    }
    // the /admin/* guard answers no request itself: it is what the adminToken scheme describes
    assertThat(middleware).containsExactly("/admin/*");
  }

  /** {@code "METHOD /path/{param}"} of every route with methods, as vertx-web holds it. */
  private static Set<String> endpoints(Router router) {
    Set<String> endpoints = new TreeSet<>();
    for (Route route : router.getRoutes()) {
      // vertx-web keeps the path of a /:param route (matched by a regex inside); a route made from a regex has none
      assertThat(route.getPath()).as("every route can be described by a path template").isNotNull();
      if (route.methods() == null || route.methods().isEmpty()) {
        continue;
      }
      assertThat(route.isExactPath()).as("route %s with methods matches one path", route.getPath()).isTrue();
      for (HttpMethod method : route.methods()) {
        endpoints.add(method.name() + " " + template(route.getPath()));
      }
    }
    return endpoints;
  }

  private static void middleware(Router router, Set<String> into) {
    for (Route route : router.getRoutes()) {
      if (route.methods() == null || route.methods().isEmpty()) {
        into.add(template(route.getPath()) + (route.isExactPath() ? "" : "*"));
      }
    }
  }

  // vertx-web's /:name is OpenAPI's /{name}
  private static String template(String path) {
    return path.replaceAll(":([A-Za-z0-9_]+)", "{$1}");
  }

  /** The document's operations, {@code "METHOD /path"}, by listener ("public", "admin") as each path's server says. */
  private static Map<String, Set<String>> describedOperations() {
    JsonArray servers = document.getJsonArray("servers");
    Map<String, String> listenerByUrl = Map.of(
        servers.getJsonObject(0).getString("url"), "public",
        servers.getJsonObject(1).getString("url"), "admin");
    Map<String, Set<String>> described = Map.of("public", new TreeSet<>(), "admin", new TreeSet<>());
    JsonObject paths = document.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      String listener = listenerByUrl.get(item.getJsonArray("servers").getJsonObject(0).getString("url"));
      for (String method : item.fieldNames()) {
        if (OpenApiSpec.HTTP_METHODS.contains(method)) {
          described.get(listener).add(method.toUpperCase() + " " + path);
        }
      }
    }
    return described;
  }

  private static Router adminRouter() {
    List<Router> routers = new ArrayList<>();
    for (Deployable instance : deployed()) {
      if (instance instanceof AdminVerticle verticle) {
        routers.add(verticle.router());
      }
    }
    assertThat(routers).as("one admin verticle").hasSize(1);
    return routers.get(0);
  }

  private static List<Router> ingestRouters() {
    List<Router> routers = new ArrayList<>();
    for (Deployable instance : deployed()) {
      if (instance instanceof IngestVerticle verticle) {
        routers.add(verticle.router());
      }
    }
    return routers;
  }

  /** Every verticle instance the gateway's Vert.x has deployed. */
  private static List<Deployable> deployed() {
    List<Deployable> instances = new ArrayList<>();
    for (DeploymentContext deployment : ((VertxInternal) gateway.vertx()).deploymentManager().deployments()) {
      instances.addAll(deployment.deployment().instances());
    }
    return instances;
  }

  // --- the served document ---------------------------------------------------------------------

  @Test
  void theAdminPortServesTheDocumentBehindTheAdminToken() {
    HttpResponse<String> anonymous = admin.get("/admin/openapi.yaml");
    HttpResponse<String> served = adminCall("GET", "/admin/openapi.yaml");

    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertMatchesDocument(anonymous);
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.headers().firstValue("Content-Type")).hasValue("application/yaml");
    assertThat(served.body()).isEqualTo(new String(OpenApiSpec.bytes(), StandardCharsets.UTF_8));
    JsonObject parsed = OpenApiSpec.parse(served.body());
    assertThat(parsed.getJsonObject("paths").fieldNames()).contains("/admin/openapi.yaml", "/oauth/token");
    assertThat(OpenApiSpec.metaSchemaErrors(vertx, OpenApiSpec.resolveTokenUrl(parsed))).isEmpty();
    assertMatchesDocument(served);
  }

  // --- real answers against the document -------------------------------------------------------

  @Test
  void tokenAnswersMatchTheDocument() {
    HttpResponse<String> issued = http.requestToken(TestConfig.CLIENT_ID, TestConfig.CLIENT_SECRET);
    HttpResponse<String> basic = http.requestTokenBasic(TestConfig.CLIENT_ID, TestConfig.CLIENT_SECRET);
    HttpResponse<String> wrongSecret = http.requestToken(TestConfig.CLIENT_ID, "not-the-secret");
    HttpResponse<String> otherGrant = http.send(HttpRequest.newBuilder(publicUri("/oauth/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=password&username=a&password=b"))
        .build());

    assertAnswer(issued, 200);
    assertAnswer(basic, 200);
    assertAnswer(wrongSecret, 401);
    assertAnswer(otherGrant, 400);
  }

  @Test
  void webhookAnswersMatchTheDocument() {
    String token = http.token();
    String fresh = DidomiPayloads.eventWithSeq("openapi-fresh@example.com", 7, true);

    assertAnswer(http.postDidomi("acme", token, fresh), 202);
    assertAnswer(http.postDidomi("acme", token, fresh), 200); // duplicate
    assertAnswer(http.postDidomi("acme", token, Examples.read("didomi/event.created.no-organization-user-id.json")), 200);
    assertAnswer(http.postDidomi("acme", null, fresh), 401);
    assertAnswer(http.postDidomi("acme", "forged.token.value", fresh), 401);
    assertAnswer(http.postDidomi("acme", token, "{\"type\":\"consent.exploded\",\"parameters\":{}}"), 400);
    assertAnswer(http.postDidomi("globex", token, fresh), 404);

    String actito = Examples.read("actito/updated-subscription.bulk.json");
    assertAnswer(http.postActito("acme", "X-Authorization", ACTITO_SECRET, actito), 202);
    assertAnswer(http.postActito("acme", "X-Authorization", "wrong-secret", actito), 401);
    assertAnswer(http.postActito("acme", "X-Authorization", ACTITO_SECRET, "{\"data\":{}}"), 400);
  }

  @Test
  void healthAnswersMatchTheDocument() {
    assertAnswer(admin.get("/health/live"), 200);
    assertAnswer(admin.get("/health/ready"), 200);
    assertAnswer(admin.get("/metrics"), 200);
  }

  @Test
  void operatorAnswersMatchTheDocument() {
    assertAnswer(adminCall("GET", "/admin/integrations/acme/status"), 200);
    assertAnswer(admin.get("/admin/integrations/acme/status"), 401);
    assertAnswer(adminCall("GET", "/admin/integrations/globex/status"), 404);

    HttpResponse<String> delivered = adminCall("GET", "/admin/integrations/acme/users/" + encode(DELIVERED));
    assertAnswer(delivered, 200);
    assertThat(new JsonObject(delivered.body()).getJsonArray("history")).isNotEmpty();
    HttpResponse<String> rejected = adminCall("GET", "/admin/integrations/acme/users/" + encode(REJECTED));
    assertAnswer(rejected, 200);
    assertThat(new JsonObject(rejected.body()).getJsonArray("deadLetters")).hasSize(1);
    assertAnswer(adminCall("GET", "/admin/integrations/acme/users/nobody%40example.com"), 404);

    HttpResponse<String> page = adminCall("GET", "/admin/integrations/acme/dead-letters?offset=0&limit=10");
    assertAnswer(page, 200);
    assertThat(new JsonObject(page.body()).getJsonArray("items")).hasSize(1);
    assertAnswer(adminCall("GET", "/admin/integrations/acme/dead-letters?limit=100000"), 400);

    assertAnswer(adminCall("DELETE", "/admin/integrations/acme/dead-letters/nobody%40example.com"), 404);
    assertAnswer(adminCall("POST", "/admin/integrations/acme/dead-letters/replay?user=nobody%40example.com"), 200);
    assertAnswer(adminCall("DELETE", "/admin/integrations/acme/dead-letters/" + encode(REJECTED)), 200);

    assertAnswer(adminCall("POST", "/admin/integrations/acme/pause"), 200);
    assertAnswer(adminCall("POST", "/admin/integrations/acme/resume"), 200);
  }

  private static void assertAnswer(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as("%s %s answered %s", response.request().method(), response.uri(), response.body())
        .isEqualTo(status);
    assertMatchesDocument(response);
  }

  /**
   * The document has an operation for the request's method and path, and the answer — status,
   * declared headers, content type, body — is valid for it.
   */
  private static void assertMatchesDocument(HttpResponse<String> response) {
    String method = response.request().method();
    String path = response.uri().getRawPath();
    Operation operation = contract.findOperation(path, HttpMethod.valueOf(method));
    assertThat(operation).as("the document has %s %s", method, path).isNotNull();

    // a media type's parameters (charset, version) do not change which content the document describes
    String contentType = response.headers().firstValue("Content-Type").map(type -> type.split(";")[0].trim()).orElse(null);
    Set<String> declared = OpenApiSpec.declaredMediaTypes(
        document, method.toLowerCase(), operation.getOpenAPIPath(), response.statusCode());
    assertThat(declared).as("the document declares %d for %s (%s %s), body %s", response.statusCode(),
        operation.getOperationId(), method, path, response.body()).isNotNull();
    if (declared.isEmpty()) {
      assertThat(response.body()).as("%s %s → %d has no body", method, path, response.statusCode()).isEmpty();
    } else {
      assertThat(declared).as("content types of %s %s → %d", method, path, response.statusCode()).contains(contentType);
    }

    Response described = operation.getResponse(response.statusCode());
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    response.headers().map().forEach((name, values) -> headers.put(name, values.get(0)));
    if (described != null) {
      for (Parameter header : described.getHeaders()) {
        // vertx-openapi decodes a header value that is not one word as JSON, which fails on a quote
        // (WWW-Authenticate: Bearer realm="..."); a string header goes to it JSON-encoded, to decode back as is
        response.headers().firstValue(header.getName()).filter(value -> header.getSchemaType() == SchemaType.STRING)
            .ifPresent(value -> headers.put(header.getName(), Json.encode(value)));
      }
    }
    Buffer body = response.body().isEmpty() ? null : Buffer.buffer(response.body());
    ValidatableResponse validatable = ValidatableResponse.create(
        response.statusCode(), headers, body, body == null ? null : contentType);
    try {
      validator.validate(validatable, operation.getOperationId()).await(10, TimeUnit.SECONDS);
    } catch (ValidatorException e) {
      String details = e instanceof SchemaValidationException invalid ? "\n" + invalid.getOutputUnit().toJson().encode() : "";
      fail("%s %s → %d does not match operation %s: %s%s%nbody: %s", method, response.uri(), response.statusCode(),
          operation.getOperationId(), e.getMessage(), details, response.body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpResponse<String> adminCall(String method, String pathAndQuery) {
    return admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + pathAndQuery))
        .header("Authorization", "Bearer " + ADMIN_TOKEN)
        .method(method, HttpRequest.BodyPublishers.noBody())
        .build());
  }

  private static URI publicUri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.ingestPort() + path);
  }

  private static JsonObject status() {
    return new JsonObject(adminCall("GET", "/admin/integrations/acme/status").body());
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8);
  }
}
