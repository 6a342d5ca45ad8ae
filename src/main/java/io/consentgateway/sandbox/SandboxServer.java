package io.consentgateway.sandbox;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The HTTP server a sandbox runs on: a verticle of its own (so it never shares an event loop with
 * the caller's code) that listens on the configured host and port, hands every request to one
 * handler (the sandbox's router; the helpers below are what both sandboxes' routes share), and
 * owns the web client the sandbox sends its webhooks with. Once started it knows the
 * port it actually listens on (the configured one may be 0) and the context it runs on.
 */
public final class SandboxServer {

  private final Vertx vertx;
  private final String host;
  private final int configuredPort;
  private final String userAgent;
  private final Handler<HttpServerRequest> handler;
  private volatile String deploymentId;
  private volatile int port;
  private volatile Context context;
  private volatile WebClient web;

  public SandboxServer(Vertx vertx, String host, int port, String userAgent, Handler<HttpServerRequest> handler) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.host = Objects.requireNonNull(host, "host");
    this.configuredPort = port;
    this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
    this.handler = Objects.requireNonNull(handler, "handler");
  }

  /** Deploys the server's verticle; completes once it listens. */
  public Future<Void> start() {
    return vertx.deployVerticle(new Verticle()).map(id -> {
      deploymentId = id;
      return null;
    });
  }

  /** Undeploys it; nothing to do when it never started. */
  public Future<Void> stop() {
    String id = deploymentId;
    return id == null ? Future.succeededFuture() : vertx.undeploy(id);
  }

  /** The port it listens on; 0 before it started. */
  public int port() {
    return port;
  }

  /** {@code http://host:port}, what a client uses as the sandbox's base URL. */
  public String baseUrl() {
    return "http://" + host + ":" + port;
  }

  /** The context its requests are handled on; null before it started. */
  public Context context() {
    return context;
  }

  /** The client for the sandbox's own outgoing calls (webhooks); null before it started. */
  public WebClient web() {
    return web;
  }

  /** Runs {@code action} now when {@code delayMs} is not positive, else on a timer after it. */
  public void after(long delayMs, Runnable action) {
    if (delayMs <= 0) {
      action.run();
    } else {
      vertx.setTimer(delayMs, id -> action.run());
    }
  }

  /**
   * Answers a call with a JSON body, unless the client went away or it was answered already; the
   * sandbox ends the call in its log first, since the client may start its next call as soon as
   * it reads this answer.
   */
  public static void answerJson(HttpServerResponse response, int status, String encoded) {
    if (response.closed() || response.ended()) {
      return;
    }
    response.setStatusCode(status).putHeader("Content-Type", "application/json").end(encoded);
  }

  /**
   * The token of an {@code Authorization: Bearer <token>} header (scheme case-insensitive, token
   * trimmed; empty when nothing follows the scheme), or null when it is absent or not a bearer one.
   * The sandboxes' own copy of the gateway's rule: they stand in for other services and do not
   * depend on the gateway's packages.
   */
  public static String bearerToken(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return authorization.substring(7).trim();
  }

  /** The path a request with an unnormalised path is rerouted to: it matches no API route. */
  private static final String UNROUTABLE = "/_unroutable";

  /**
   * The first handler of a sandbox's router. vertx-web matches routes on the normalised path, where
   * {@code /_sandbox/../_sandbox/stats} or {@code //_sandbox/stats} would reach a real resource; the
   * sandboxes answered such a path by its raw form, and still do: under {@code adminPrefix},
   * {@code adminNotFound} answers; elsewhere it goes on as an API call that matches no resource
   * (logged, limited, its bearer checked, then 404).
   */
  public static io.vertx.core.Handler<io.vertx.ext.web.RoutingContext> rawPaths(String adminPrefix,
      io.vertx.core.Handler<io.vertx.ext.web.RoutingContext> adminNotFound) {
    return ctx -> {
      String raw = ctx.request().path();
      if (raw == null || raw.equals(ctx.normalizedPath()) || raw.equals(UNROUTABLE)) {
        ctx.next();
      } else if (raw.startsWith(adminPrefix)) {
        ctx.response().putHeader("Content-Type", "application/json");
        adminNotFound.handle(ctx);
      } else {
        ctx.reroute(UNROUTABLE);
      }
    };
  }

  /** A router regex matching exactly {@code path}, with no trailing slash or extra segment. */
  public static String exactly(String path) {
    return Pattern.quote(path);
  }

  /** A router regex matching {@code prefix} and every path that starts with it. */
  public static String startingWith(String prefix) {
    return Pattern.quote(prefix) + ".*";
  }

  /** Reads the whole request body, keeps it for {@link #body(RoutingContext)}, then routes on. */
  public static void readBody(RoutingContext ctx) {
    ctx.request().body().onSuccess(body -> {
      ctx.put(BODY, body);
      ctx.next();
    });
  }

  /** The body {@link #readBody} (or a sandbox's own first handler) kept. */
  public static Buffer body(RoutingContext ctx) {
    return ctx.get(BODY);
  }

  /** Where the first handler keeps the request body for the ones after it. */
  public static final String BODY = "sandbox.body";

  /** Decodes one path segment: a {@code +} there is a plus sign, not a space. */
  public static String decodeSegment(String raw) {
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private final class Verticle extends VerticleBase {
    private HttpServer server;

    @Override
    public Future<?> start() {
      SandboxServer.this.context = context; // VerticleBase.context: the one this verticle runs on
      web = WebClient.create(vertx, new WebClientOptions().setUserAgent(userAgent));
      server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(configuredPort));
      return server.requestHandler(handler).listen().onSuccess(s -> port = s.actualPort());
    }

    @Override
    public Future<?> stop() {
      web.close();
      return server.close();
    }
  }
}
