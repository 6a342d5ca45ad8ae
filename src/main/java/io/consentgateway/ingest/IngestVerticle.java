package io.consentgateway.ingest;

import io.consentgateway.auth.AccessTokens;
import io.consentgateway.auth.ClientRegistry;
import io.consentgateway.auth.FailedAuthThrottle;
import io.consentgateway.auth.IpAllowList;
import io.consentgateway.auth.OAuthTokenHandler;
import io.consentgateway.config.GatewayConfig;
import io.consentgateway.config.GatewayConfig.ServerConfig;
import io.consentgateway.config.Secret;
import io.consentgateway.http.BoundedBody;
import io.consentgateway.http.ConnectionGuard;
import io.consentgateway.http.JsonErrors;
import io.consentgateway.mapping.ConsentMapper;
import io.consentgateway.store.Inbox;
import io.consentgateway.webhook.DidomiWebhookParser;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The public listener: {@code POST /oauth/token}, Didomi's webhooks and, for integrations with the
 * bidirectional flow, Actito's: the routes, their order around the body limit, and the server.
 * What each webhook source's route does is its handler's ({@link DidomiWebhookHandler}, {@link
 * ActitoWebhookHandler}). Deployed once per core; every instance shares the port. A webhook is
 * answered 2xx only after the store committed it; when the store cannot take it the answer is 503
 * with {@code Retry-After}. Nothing here blocks.
 */
public final class IngestVerticle extends VerticleBase {

  private final GatewayConfig config;
  private final Secret signingKey;
  private final Inbox store;
  private final IngestMetrics metrics;
  private final DidomiWebhookParser parser;
  private final Map<String, ConsentMapper> mappers;
  private final IpAllowList allowList;
  private final ClientRegistry clients;
  private AccessTokens tokens;
  private FailedAuthThrottle throttle;
  private HttpServer server;
  private ConnectionGuard guard;
  private Router router;

  /**
   * @param parser shared by every instance (thread-safe)
   * @param mappers the mapping rules of each integration, by integration id (thread-safe)
   */
  public IngestVerticle(
      GatewayConfig config,
      Secret signingKey,
      Inbox store,
      IngestMetrics metrics,
      DidomiWebhookParser parser,
      Map<String, ConsentMapper> mappers) {
    this.config = Objects.requireNonNull(config, "config");
    this.parser = Objects.requireNonNull(parser, "parser");
    this.mappers = Map.copyOf(mappers);
    this.signingKey = Objects.requireNonNull(signingKey, "signingKey");
    this.store = Objects.requireNonNull(store, "store");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.allowList = new IpAllowList(config.auth().allowedIps());
    this.clients = new ClientRegistry(config.auth().clients());
  }

  @Override
  public Future<?> start() {
    // One token verifier per instance: the JWT signer's MAC is not shared across event loops.
    tokens = new AccessTokens(vertx, signingKey, config.auth().tokenTtlSeconds());
    router = Router.router(vertx);
    JsonErrors.install(router);
    throttle = FailedAuthThrottle.shared(vertx, config.auth().maxFailuresPerMinute());
    router.post("/oauth/token")
        .handler(ctx -> {
          if (!OAuthTokenHandler.refusedAsThrottled(ctx, throttle)) {
            ctx.next();
          }
        })
        .handler(new BoundedBody(16 * 1024))
        .handler(new OAuthTokenHandler(clients, tokens, throttle));
    DidomiWebhookHandler didomi = new DidomiWebhookHandler(config, tokens, allowList, store, metrics, parser, mappers);
    ActitoWebhookHandler actito = new ActitoWebhookHandler(config, throttle, store, metrics);
    // address and token first, body last: an unauthenticated caller never gets a body buffered
    router.post("/webhooks/didomi/:integration")
        .handler(didomi::checkSourceAddress)
        .handler(didomi::authenticate)
        .handler(new BoundedBody(config.server().maxBodyBytes()))
        .handler(didomi::accept);
    // Actito calls from its own addresses: auth.allowedIps (Didomi's) does not apply here.
    router.post("/webhooks/actito/:integration")
        .handler(actito::authenticate)
        .handler(new BoundedBody(config.server().maxBodyBytes()))
        .handler(actito::accept);
    ServerConfig listener = config.server();
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(listener.host())
        .setPort(listener.port())
        .setCompressionSupported(false)
        .setIdleTimeout(listener.idleTimeoutSeconds())
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setHttp2ClearTextEnabled(listener.h2c()));
    // each instance guards the connections it accepted; Vert.x spreads them evenly over the instances
    int instances = listener.effectiveInstances();
    guard = new ConnectionGuard(vertx, new ConnectionGuard.Limits(listener.headerTimeoutSeconds(),
        listener.bodyTimeoutSeconds(), listener.idleTimeoutSeconds(), (listener.maxConnections() + instances - 1) / instances),
        metrics::connectionClosed);
    return guard.install(server, router).listen();
  }

  @Override
  public Future<?> stop() {
    if (guard != null) {
      guard.close();
    }
    // Graceful: stop accepting, let in-flight requests (waiting on the store commit) finish.
    return server == null ? Future.succeededFuture() : server.shutdown(10, TimeUnit.SECONDS);
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** The routes this listener serves, once started (the OpenAPI coverage test reads them). */
  public Router router() {
    return router;
  }
}
