package io.consentgateway.ingest;

import io.consentgateway.auth.AccessTokens;
import io.consentgateway.auth.BearerHeader;
import io.consentgateway.auth.ClientRegistry;
import io.consentgateway.auth.FailedAuthThrottle;
import io.consentgateway.auth.IpAllowList;
import io.consentgateway.auth.OAuthTokenHandler;
import io.consentgateway.config.GatewayConfig;
import io.consentgateway.config.GatewayConfig.OAuthClient;
import io.consentgateway.config.GatewayConfig.ServerConfig;
import io.consentgateway.webhook.ActitoProfileChange;
import io.consentgateway.webhook.ActitoWebhook;
import io.consentgateway.webhook.ActitoWebhookParser;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.IntegrationConfig.BidirectionalConfig;
import io.consentgateway.config.Secret;
import io.consentgateway.http.BoundedBody;
import io.consentgateway.http.ConnectionGuard;
import io.consentgateway.http.JsonErrors;
import io.consentgateway.logging.LogText;
import io.consentgateway.mapping.ConsentMapper;
import io.consentgateway.webhook.DidomiChange;
import io.consentgateway.webhook.DidomiWebhookParser;
import io.consentgateway.mapping.FieldChanges;
import io.consentgateway.webhook.InvalidWebhookException;
import io.consentgateway.store.ActitoSubscriptionChange;
import io.consentgateway.store.Inbox;
import io.consentgateway.store.InboundWebhook;
import io.consentgateway.store.IngestOutcome;
import io.consentgateway.store.StoreUnavailableException;
import io.consentgateway.store.WebhookSource;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public listener: {@code POST /oauth/token}, Didomi's webhooks and, for integrations with the
 * bidirectional flow, Actito's. Deployed once per core; every
 * instance shares the port. A webhook is answered 2xx only after the store committed it; when the
 * store cannot take it the answer is 503 with {@code Retry-After}. Nothing here blocks.
 */
public final class IngestVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(IngestVerticle.class);

  private final GatewayConfig config;
  private final Secret signingKey;
  private final Inbox store;
  private final IngestMetrics metrics;
  private final DidomiWebhookParser parser;
  private final Map<String, ConsentMapper> mappers;
  private final Map<String, ActitoWebhookParser> actitoParsers = new HashMap<>();
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
    for (IntegrationConfig integration : config.integrations()) {
      if (integration.bidirectional().enabled()) {
        actitoParsers.put(integration.id(), new ActitoWebhookParser(integration.actito().userUniqueKey()));
      }
    }
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
    // address and token first, body last: an unauthenticated caller never gets a body buffered
    router.post("/webhooks/didomi/:integration")
        .handler(this::checkSourceAddress)
        .handler(this::authenticate)
        .handler(new BoundedBody(config.server().maxBodyBytes()))
        .handler(this::didomiWebhook);
    // Actito calls from its own addresses: auth.allowedIps (Didomi's) does not apply here.
    router.post("/webhooks/actito/:integration")
        .handler(this::authenticateActito)
        .handler(new BoundedBody(config.server().maxBodyBytes()))
        .handler(this::actitoWebhook);
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

  private void checkSourceAddress(RoutingContext ctx) {
    ctx.request().pause(); // BoundedBody resumes it once the caller is authenticated
    String remote = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
    if (!allowList.allows(remote)) {
      reject(ctx, null, 403, "forbidden", "source address " + remote + " is not allowed");
      return;
    }
    ctx.next();
  }

  private void authenticate(RoutingContext ctx) {
    String integrationId = ctx.pathParam("integration");
    String bearer = BearerHeader.token(ctx.request().getHeader("Authorization")).orElse(null);
    if (bearer == null) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"consent-gateway\"");
      reject(ctx, integrationId, 401, "unauthorized", "a bearer token from POST /oauth/token is required");
      return;
    }
    tokens.verify(bearer).onComplete(verified -> {
      // the token names its client; what that client may do is read from the configuration each time
      OAuthClient client = verified.succeeded() ? config.auth().client(verified.result()).orElse(null) : null;
      if (client == null) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"consent-gateway\", error=\"invalid_token\"");
        reject(ctx, integrationId, 401, "unauthorized", "the bearer token is invalid or expired");
        return;
      }
      if (config.integration(integrationId).isEmpty()) {
        reject(ctx, integrationId, 404, "unknown_integration", "no integration with id '" + LogText.of(integrationId) + "'");
        return;
      }
      if (!client.mayPostTo(integrationId)) {
        reject(ctx, integrationId, 403, "forbidden", "this token's client may not post to integration '" + integrationId + "'");
        return;
      }
      ctx.next();
    });
  }

  private void didomiWebhook(RoutingContext ctx) {
    String integrationId = ctx.pathParam("integration");
    IntegrationConfig integration = config.integration(integrationId).orElse(null);
    if (integration == null) {
      reject(ctx, integrationId, 404, "unknown_integration", "no integration with id '" + LogText.of(integrationId) + "'");
      return;
    }
    try {
      accept(ctx, integration);
    } catch (RuntimeException e) {
      log.error("webhook for integration {} failed", integration.id(), e);
      JsonErrors.send(ctx, 500, "internal_error", "unexpected failure; see the gateway log");
    }
  }

  private void accept(RoutingContext ctx, IntegrationConfig integration) {
    byte[] body = BoundedBody.body(ctx).getBytes();
    DidomiChange change;
    try {
      change = parser.parse(body);
    } catch (InvalidWebhookException e) {
      reject(ctx, integration.id(), 400, "invalid_webhook", e.getMessage());
      return;
    }
    // Refused when missing too: Didomi's entities always carry it, and a body without it could be
    // any organisation's, so this is the one check that a change meant for another tenant fails.
    String organizationId = change.organizationId();
    if (organizationId == null) {
      reject(ctx, integration.id(), 400, "wrong_organization",
          "organization_id is missing or not a string; this integration takes only its own organisation's changes");
      return;
    }
    if (!organizationId.equals(integration.didomi().organizationId())) {
      reject(ctx, integration.id(), 400, "wrong_organization",
          "organization_id '" + LogText.of(organizationId) + "' is not this integration's");
      return;
    }
    if (change.organizationUserId() == null) {
      // No retry can ever match this user to a profile: acknowledge, count, store nothing.
      metrics.count(integration.id(), "didomi", "skipped", "no_organization_user_id");
      log.info("skipped {} for integration {}: no organization_user_id (delivery {})",
          change.type().wireName(), integration.id(), change.dedupKey());
      respond(ctx, 200, "skipped", "no organization_user_id: the change cannot be matched to a profile");
      return;
    }
    FieldChanges changes = mappers.get(integration.id()).changesFor(change);
    InboundWebhook webhook = new InboundWebhook(
        integration.id(), WebhookSource.DIDOMI, change.dedupKey(), change.organizationUserId(),
        change.type().wireName(), System.currentTimeMillis(), body, changes, integration.bidirectional().enabled(),
        erasure(integration, change), change.type().isEvent() ? change.entityId() : null);
    store.ingest(webhook).onComplete(stored -> {
      if (stored.succeeded()) {
        IngestOutcome outcome = stored.result();
        metrics.count(integration.id(), "didomi", outcome.name().toLowerCase(), null);
        respond(ctx, outcome == IngestOutcome.ACCEPTED ? 202 : 200, outcome.name().toLowerCase(), null);
      } else {
        unavailable(ctx, integration.id(), stored.cause());
      }
    });
  }

  // what a user.deleted asks of the gateway's own data on the user (onUserDeleted)
  private static InboundWebhook.Erasure erasure(IntegrationConfig integration, DidomiChange change) {
    if (change.type() != DidomiChange.Type.USER_DELETED) {
      return InboundWebhook.Erasure.NONE;
    }
    if (integration.onUserDeleted() == null) {
      return InboundWebhook.Erasure.NONE;
    }
    return switch (integration.onUserDeleted()) {
      case ERASE -> InboundWebhook.Erasure.NOW;
      case UNSUBSCRIBEALLANDERASE -> InboundWebhook.Erasure.AFTER_DELIVERY;
      default -> InboundWebhook.Erasure.NONE;
    };
  }

  private void authenticateActito(RoutingContext ctx) {
    ctx.request().pause(); // BoundedBody resumes it once the caller is authenticated
    String integrationId = ctx.pathParam("integration");
    IntegrationConfig integration = config.integration(integrationId).orElse(null);
    if (integration == null || !integration.bidirectional().enabled()) {
      reject(ctx, "actito", integrationId, 404, "unknown_integration",
          "no integration with id '" + LogText.of(integrationId) + "' takes Actito webhooks (bidirectional.enabled)");
      return;
    }
    if (OAuthTokenHandler.refusedAsThrottled(ctx, throttle)) {
      metrics.count(integrationId, "actito", "rejected", "too_many_failures");
      return;
    }
    BidirectionalConfig bidirectional = integration.bidirectional();
    String presented = ctx.request().getHeader(bidirectional.webhookHeader());
    if (!bidirectional.webhookSecret().matches(presented)) {
      if (presented != null) {
        // a guessable shared secret: counted like a wrong client secret, never logged
        String address = OAuthTokenHandler.sourceAddress(ctx);
        log.info("Actito webhook for integration {} refused for a caller at {}: wrong {} header",
            integration.id(), address, bidirectional.webhookHeader());
        throttle.countFailure(address);
      }
      reject(ctx, "actito", integrationId, 401, "unauthorized",
          "the " + bidirectional.webhookHeader() + " header is missing or wrong");
      return;
    }
    ctx.next();
  }

  private void actitoWebhook(RoutingContext ctx) {
    String integrationId = ctx.pathParam("integration");
    IntegrationConfig integration = config.integration(integrationId).orElseThrow();
    byte[] body = BoundedBody.body(ctx).getBytes();
    ActitoWebhook webhook;
    try {
      webhook = actitoParsers.get(integrationId).parse(body);
    } catch (InvalidWebhookException e) {
      reject(ctx, "actito", integrationId, 400, "invalid_webhook", e.getMessage());
      return;
    }
    Set<String> mapped = new HashSet<>();
    integration.mappings().forEach(mapping -> mapped.add(mapping.subscription()));
    long now = System.currentTimeMillis();
    List<Future<IngestOutcome>> stored = new ArrayList<>();
    int skipped = 0;
    for (int index = 0; index < webhook.changes().size(); index++) {
      ActitoProfileChange change = webhook.changes().get(index);
      Map<String, Boolean> subscriptions = new LinkedHashMap<>();
      change.subscriptions().forEach((name, value) -> {
        if (mapped.contains(name)) {
          subscriptions.put(name, value);
        }
      });
      String reason = !change.hasUserKey() ? "no_unique_key" : subscriptions.isEmpty() ? "no_mapped_subscription" : null;
      if (reason != null) {
        skipped++;
        metrics.count(integrationId, "actito", "skipped", reason);
        continue;
      }
      // each profile's own part of the push: a bulk push is stored once, not once per profile
      stored.add(store.ingestActito(new ActitoSubscriptionChange(integrationId, change.deliveryKey(),
          change.organizationUserId(), change.profileId(), subscriptions, now, webhook.payload(index))));
    }
    int skippedChanges = skipped;
    Future.all(stored).onComplete(all -> {
      if (all.failed()) {
        unavailable(ctx, "actito", integrationId, all.cause());
        return;
      }
      Map<IngestOutcome, Integer> outcomes = new HashMap<>();
      for (Future<IngestOutcome> outcome : stored) {
        outcomes.merge(outcome.result(), 1, Integer::sum);
        metrics.count(integrationId, "actito", outcome.result().name().toLowerCase(), null);
      }
      ctx.response().setStatusCode(202).putHeader("Content-Type", "application/json").end(new JsonObject()
          .put("status", "accepted")
          .put("accepted", outcomes.getOrDefault(IngestOutcome.ACCEPTED, 0))
          .put("duplicates", outcomes.getOrDefault(IngestOutcome.DUPLICATE, 0))
          .put("echoes", outcomes.getOrDefault(IngestOutcome.ECHO, 0))
          .put("skipped", skippedChanges)
          .toBuffer());
    });
  }

  private void unavailable(RoutingContext ctx, String integration, Throwable cause) {
    unavailable(ctx, "didomi", integration, cause);
  }

  private void unavailable(RoutingContext ctx, String source, String integration, Throwable cause) {
    int retryAfter = cause instanceof StoreUnavailableException e ? e.retryAfterSeconds() : 5;
    String reason = cause instanceof StoreUnavailableException e ? e.reason().name().toLowerCase() : "failed";
    metrics.count(integration, source, "unavailable", reason);
    if (!(cause instanceof StoreUnavailableException e && e.reason() == StoreUnavailableException.Reason.OVERLOADED)) {
      log.warn("webhook for integration {} refused, store unavailable: {}", integration, cause.getMessage());
    }
    ctx.response().putHeader("Retry-After", Integer.toString(retryAfter));
    JsonErrors.send(ctx, 503, "unavailable", "the change could not be stored (" + reason + "); retry later");
  }

  private void reject(RoutingContext ctx, String integration, int status, String error, String detail) {
    reject(ctx, "didomi", integration, status, error, detail);
  }

  private void reject(RoutingContext ctx, String source, String integration, int status, String error, String detail) {
    metrics.count(integration, source, "rejected", error);
    JsonErrors.send(ctx, status, error, detail);
  }

  private static void respond(RoutingContext ctx, int status, String outcome, String detail) {
    JsonObject body = new JsonObject().put("status", outcome);
    if (detail != null) {
      body.put("detail", detail);
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
  }
}
