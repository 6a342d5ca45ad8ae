package io.consentgateway.ingest;

import io.consentgateway.auth.AccessTokens;
import io.consentgateway.auth.BearerHeader;
import io.consentgateway.auth.IpAllowList;
import io.consentgateway.config.GatewayConfig;
import io.consentgateway.config.GatewayConfig.OAuthClient;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.http.BoundedBody;
import io.consentgateway.http.JsonErrors;
import io.consentgateway.logging.LogText;
import io.consentgateway.mapping.ConsentMapper;
import io.consentgateway.mapping.FieldChanges;
import io.consentgateway.store.Inbox;
import io.consentgateway.store.InboundWebhook;
import io.consentgateway.store.IngestOutcome;
import io.consentgateway.store.WebhookSource;
import io.consentgateway.webhook.DidomiChange;
import io.consentgateway.webhook.DidomiWebhookParser;
import io.consentgateway.webhook.InvalidWebhookException;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /webhooks/didomi/:integration}, in three steps the listener chains around its body
 * limit: {@link #checkSourceAddress} (auth.allowedIps), {@link #authenticate} (a bearer token from
 * {@code /oauth/token} whose client may post to the integration) and {@link #accept}: parse, keep
 * only the integration's own organisation, map, store, answer once the store committed.
 */
final class DidomiWebhookHandler {

  private static final Logger log = LoggerFactory.getLogger(DidomiWebhookHandler.class);

  private final GatewayConfig config;
  private final AccessTokens tokens;
  private final IpAllowList allowList;
  private final Inbox store;
  private final IngestMetrics metrics;
  private final DidomiWebhookParser parser;
  private final Map<String, ConsentMapper> mappers;
  private final WebhookReplies replies;

  DidomiWebhookHandler(GatewayConfig config, AccessTokens tokens, IpAllowList allowList, Inbox store,
      IngestMetrics metrics, DidomiWebhookParser parser, Map<String, ConsentMapper> mappers) {
    this.config = Objects.requireNonNull(config, "config");
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.allowList = Objects.requireNonNull(allowList, "allowList");
    this.store = Objects.requireNonNull(store, "store");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.parser = Objects.requireNonNull(parser, "parser");
    this.mappers = Objects.requireNonNull(mappers, "mappers");
    this.replies = new WebhookReplies(metrics, "didomi");
  }

  void checkSourceAddress(RoutingContext ctx) {
    ctx.request().pause(); // BoundedBody resumes it once the caller is authenticated
    String remote = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
    if (!allowList.allows(remote)) {
      replies.reject(ctx, null, 403, "forbidden", "source address " + remote + " is not allowed");
      return;
    }
    ctx.next();
  }

  void authenticate(RoutingContext ctx) {
    String integrationId = ctx.pathParam("integration");
    String bearer = BearerHeader.token(ctx.request().getHeader("Authorization")).orElse(null);
    if (bearer == null) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"consent-gateway\"");
      replies.reject(ctx, integrationId, 401, "unauthorized", "a bearer token from POST /oauth/token is required");
      return;
    }
    tokens.verify(bearer).onComplete(verified -> {
      // the token names its client; what that client may do is read from the configuration each time
      OAuthClient client = verified.succeeded() ? config.auth().client(verified.result()).orElse(null) : null;
      if (client == null) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"consent-gateway\", error=\"invalid_token\"");
        replies.reject(ctx, integrationId, 401, "unauthorized", "the bearer token is invalid or expired");
        return;
      }
      if (config.integration(integrationId).isEmpty()) {
        replies.reject(ctx, integrationId, 404, "unknown_integration",
            "no integration with id '" + LogText.of(integrationId) + "'");
        return;
      }
      if (!client.mayPostTo(integrationId)) {
        replies.reject(ctx, integrationId, 403, "forbidden",
            "this token's client may not post to integration '" + integrationId + "'");
        return;
      }
      ctx.next();
    });
  }

  void accept(RoutingContext ctx) {
    String integrationId = ctx.pathParam("integration");
    IntegrationConfig integration = config.integration(integrationId).orElse(null);
    if (integration == null) {
      replies.reject(ctx, integrationId, 404, "unknown_integration",
          "no integration with id '" + LogText.of(integrationId) + "'");
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
      replies.reject(ctx, integration.id(), 400, "invalid_webhook", e.getMessage());
      return;
    }
    // Refused when missing too: Didomi's entities always carry it, and a body without it could be
    // any organisation's, so this is the one check that a change meant for another tenant fails.
    String organizationId = change.organizationId();
    if (organizationId == null) {
      replies.reject(ctx, integration.id(), 400, "wrong_organization",
          "organization_id is missing or not a string; this integration takes only its own organisation's changes");
      return;
    }
    if (!organizationId.equals(integration.didomi().organizationId())) {
      replies.reject(ctx, integration.id(), 400, "wrong_organization",
          "organization_id '" + LogText.of(organizationId) + "' is not this integration's");
      return;
    }
    if (change.organizationUserId() == null) {
      // No retry can ever match this user to a profile: acknowledge, count, store nothing.
      replies.count(integration.id(), "skipped", "no_organization_user_id");
      log.info("skipped {} for integration {}: no organization_user_id (delivery {})",
          change.type().wireName(), integration.id(), change.dedupKey());
      WebhookReplies.respond(ctx, 200, "skipped", "no organization_user_id: the change cannot be matched to a profile");
      return;
    }
    long receivedAt = System.currentTimeMillis();
    FieldChanges changes = mappers.get(integration.id()).changesFor(change);
    InboundWebhook webhook = new InboundWebhook(
        integration.id(), WebhookSource.DIDOMI, change.dedupKey(), change.organizationUserId(),
        change.type().wireName(), receivedAt, body, changes, integration.bidirectional().enabled(),
        erasure(integration, change), change.type().isEvent() ? change.entityId() : null,
        // a change cannot have been made after it arrived: the store bounds a stamp further ahead
        integration.didomi().maxClockAheadMillis());
    store.ingest(webhook).onComplete(stored -> {
      if (stored.succeeded()) {
        IngestOutcome outcome = stored.result();
        replies.count(integration.id(), outcome.name().toLowerCase(), null);
        WebhookReplies.respond(ctx, outcome == IngestOutcome.ACCEPTED ? 202 : 200, outcome.name().toLowerCase(), null);
      } else {
        replies.unavailable(ctx, integration.id(), stored.cause());
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
}
