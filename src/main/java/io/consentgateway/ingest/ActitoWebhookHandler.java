package io.consentgateway.ingest;

import io.consentgateway.auth.FailedAuthThrottle;
import io.consentgateway.auth.OAuthTokenHandler;
import io.consentgateway.config.GatewayConfig;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.IntegrationConfig.BidirectionalConfig;
import io.consentgateway.http.BoundedBody;
import io.consentgateway.logging.LogText;
import io.consentgateway.store.ActitoSubscriptionChange;
import io.consentgateway.store.Inbox;
import io.consentgateway.store.IngestOutcome;
import io.consentgateway.webhook.ActitoProfileChange;
import io.consentgateway.webhook.ActitoWebhook;
import io.consentgateway.webhook.ActitoWebhookParser;
import io.consentgateway.webhook.InvalidWebhookException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import io.consentgateway.mapping.ReverseMapper;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /webhooks/actito/:integration}, for integrations with the bidirectional flow:
 * {@link #authenticate} (the integration's shared-secret header, failures throttled like wrong
 * client secrets; Actito calls from its own addresses, so auth.allowedIps does not apply) and
 * {@link #accept}: parse, keep the mapped subscriptions of each profile, store each profile's
 * change, answer once the store committed them all.
 */
final class ActitoWebhookHandler {

  private static final Logger log = LoggerFactory.getLogger(ActitoWebhookHandler.class);

  private final GatewayConfig config;
  private final FailedAuthThrottle throttle;
  private final Inbox store;
  private final Map<String, ActitoWebhookParser> parsers = new HashMap<>();
  // what a change made in Actito stands for in the user's state: the facts its write-back sets
  private final Map<String, ReverseMapper> reverseMappers = new HashMap<>();
  private final WebhookReplies replies;

  ActitoWebhookHandler(GatewayConfig config, FailedAuthThrottle throttle, Inbox store, IngestMetrics metrics) {
    this.config = Objects.requireNonNull(config, "config");
    this.throttle = Objects.requireNonNull(throttle, "throttle");
    this.store = Objects.requireNonNull(store, "store");
    this.replies = new WebhookReplies(metrics, "actito");
    for (IntegrationConfig integration : config.integrations()) {
      if (integration.bidirectional().enabled()) {
        parsers.put(integration.id(), new ActitoWebhookParser(integration.actito().userUniqueKey()));
        reverseMappers.put(integration.id(), new ReverseMapper(integration));
      }
    }
  }

  void authenticate(RoutingContext ctx) {
    ctx.request().pause(); // BoundedBody resumes it once the caller is authenticated
    String integrationId = ctx.pathParam("integration");
    IntegrationConfig integration = config.integration(integrationId).orElse(null);
    if (integration == null || !integration.bidirectional().enabled()) {
      replies.reject(ctx, integrationId, 404, "unknown_integration",
          "no integration with id '" + LogText.of(integrationId) + "' takes Actito webhooks (bidirectional.enabled)");
      return;
    }
    if (OAuthTokenHandler.refusedAsThrottled(ctx, throttle)) {
      replies.count(integrationId, "rejected", "too_many_failures");
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
      replies.reject(ctx, integrationId, 401, "unauthorized",
          "the " + bidirectional.webhookHeader() + " header is missing or wrong");
      return;
    }
    ctx.next();
  }

  void accept(RoutingContext ctx) {
    String integrationId = ctx.pathParam("integration");
    IntegrationConfig integration = config.integration(integrationId).orElseThrow();
    byte[] body = BoundedBody.body(ctx).getBytes();
    ActitoWebhook webhook;
    try {
      webhook = parsers.get(integrationId).parse(body);
    } catch (InvalidWebhookException e) {
      replies.reject(ctx, integrationId, 400, "invalid_webhook", e.getMessage());
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
        replies.count(integrationId, "skipped", reason);
        continue;
      }
      // each profile's own part of the push: a bulk push is stored once, not once per profile
      stored.add(store.ingestActito(new ActitoSubscriptionChange(integrationId, change.deliveryKey(),
          change.organizationUserId(), change.profileId(), subscriptions, now, webhook.payload(index),
          reverseMappers.get(integrationId))));
    }
    int skippedChanges = skipped;
    Future.all(stored).onComplete(all -> {
      if (all.failed()) {
        replies.unavailable(ctx, integrationId, all.cause());
        return;
      }
      Map<IngestOutcome, Integer> outcomes = new HashMap<>();
      for (Future<IngestOutcome> outcome : stored) {
        outcomes.merge(outcome.result(), 1, Integer::sum);
        replies.count(integrationId, outcome.result().name().toLowerCase(), null);
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
}
