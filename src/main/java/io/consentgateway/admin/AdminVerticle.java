package io.consentgateway.admin;

import io.consentgateway.auth.BearerHeader;
import io.consentgateway.config.GatewayConfig.AdminConfig;
import io.consentgateway.http.ConnectionGuard;
import io.consentgateway.http.JsonErrors;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The operator listener (default 127.0.0.1:9090): liveness, readiness, Prometheus metrics and the
 * {@code /admin/*} API, which {@code admin.token} guards when it is set.
 */
public final class AdminVerticle extends VerticleBase {

  /** The OpenAPI document of both ports, in the jar; served at {@code GET /admin/openapi.yaml}. */
  public static final String OPENAPI_RESOURCE = "openapi/consent-gateway.yaml";

  private final AdminConfig config;
  private final PrometheusMeterRegistry registry;
  private final Supplier<JsonObject> readiness;
  private final Consumer<Router> adminRoutes;
  private HttpServer server;
  private Router router;

  /**
   * @param readiness answers the readiness document; {@code "status": "UP"} means ready
   * @param adminRoutes mounts the operator API on the router, under {@code /admin/}
   */
  public AdminVerticle(
      AdminConfig config, PrometheusMeterRegistry registry, Supplier<JsonObject> readiness, Consumer<Router> adminRoutes) {
    this.config = Objects.requireNonNull(config, "config");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.readiness = Objects.requireNonNull(readiness, "readiness");
    this.adminRoutes = Objects.requireNonNull(adminRoutes, "adminRoutes");
  }

  @Override
  public Future<?> start() {
    Buffer openApi = openApiDocument();
    router = Router.router(vertx);
    JsonErrors.install(router);
    router.get("/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape()));
    router.route("/admin/*").handler(this::guard);
    // behind the guard like the rest of /admin/*: operator tools fetch it with the same token
    router.get("/admin/openapi.yaml").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/yaml")
        .end(openApi));
    adminRoutes.accept(router);
    // Prometheus and operators speak HTTP/1.1: no h2c here
    server = vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port())
        .setHttp2ClearTextEnabled(false));
    return ConnectionGuard.installHttpVersionCheck(server, router).listen();
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** The routes this listener serves, once started (the OpenAPI coverage test reads them). */
  public Router router() {
    return router;
  }

  private static Buffer openApiDocument() {
    try (InputStream in = AdminVerticle.class.getClassLoader().getResourceAsStream(OPENAPI_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the class path");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void ready(RoutingContext ctx) {
    JsonObject document = readiness.get();
    json(ctx, "UP".equals(document.getString("status")) ? 200 : 503, document);
  }

  private void guard(RoutingContext ctx) {
    if (config.token().isEmpty()) {
      ctx.next();
      return;
    }
    String presented = BearerHeader.token(ctx.request().getHeader("Authorization")).orElse(null);
    if (!config.token().matches(presented)) {
      JsonErrors.send(ctx, 401, "unauthorized", "the admin API needs Authorization: Bearer <admin.token>");
      return;
    }
    ctx.next();
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
  }
}
