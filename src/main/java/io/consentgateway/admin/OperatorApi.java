package io.consentgateway.admin;

import io.consentgateway.dispatch.DidomiDispatch;
import io.consentgateway.dispatch.DispatchScheduler;
import io.consentgateway.dispatch.IntegrationDispatch;
import io.consentgateway.http.JsonErrors;
import io.consentgateway.webhook.AttributeValue;
import io.consentgateway.mapping.ConsentState;
import io.consentgateway.store.OperatorQueries;
import io.consentgateway.store.DeadLetterEntry;
import io.consentgateway.store.UserRecord;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The operator API under {@code /admin/integrations/{id}/...}: a user's whole story, dead letters
 * (list, replay, discard), the integration's status, pause and resume.
 */
public final class OperatorApi implements Consumer<Router> {

  private static final int HISTORY = 50;

  private final OperatorQueries store;
  private final Map<String, IntegrationDispatch> integrations;
  private final Map<String, DidomiDispatch> writeBacks;
  private final DispatchScheduler scheduler;

  public OperatorApi(OperatorQueries store, Map<String, IntegrationDispatch> integrations,
      Map<String, DidomiDispatch> writeBacks, DispatchScheduler scheduler) {
    this.store = Objects.requireNonNull(store, "store");
    this.integrations = Objects.requireNonNull(integrations, "integrations");
    this.writeBacks = Objects.requireNonNull(writeBacks, "writeBacks");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
  }

  @Override
  public void accept(Router router) {
    String base = "/admin/integrations/:id";
    router.get(base + "/users/:user").handler(ctx -> withIntegration(ctx, this::user));
    router.delete(base + "/users/:user").handler(ctx -> withIntegration(ctx, this::erase));
    router.get(base + "/dead-letters").handler(ctx -> withIntegration(ctx, this::deadLetters));
    router.post(base + "/dead-letters/replay").handler(ctx -> withIntegration(ctx, this::replay));
    router.delete(base + "/dead-letters/:user").handler(ctx -> withIntegration(ctx, this::discard));
    router.get(base + "/status").handler(ctx -> withIntegration(ctx, this::status));
    router.post(base + "/pause").handler(ctx -> withIntegration(ctx, (c, i) -> pause(c, i, true)));
    router.post(base + "/resume").handler(ctx -> withIntegration(ctx, (c, i) -> pause(c, i, false)));
  }

  private interface IntegrationHandler {
    void handle(RoutingContext ctx, IntegrationDispatch integration);
  }

  private void withIntegration(RoutingContext ctx, IntegrationHandler handler) {
    IntegrationDispatch integration = integrations.get(ctx.pathParam("id"));
    if (integration == null) {
      JsonErrors.send(ctx, 404, "unknown_integration", "no integration with id '" + ctx.pathParam("id") + "'");
      return;
    }
    handler.handle(ctx, integration);
  }

  private void user(RoutingContext ctx, IntegrationDispatch integration) {
    String userKey = ctx.pathParam("user");
    answer(ctx, store.user(integration.id(), userKey, HISTORY)
            .map(found -> found.map(user -> userJson(user, integration)).orElse(null)),
        "no webhook was ever stored for user '" + userKey + "'");
  }

  // guarantee 13: a person asked to be forgotten; Actito's own profile is Actito's to delete
  private void erase(RoutingContext ctx, IntegrationDispatch integration) {
    String userKey = ctx.pathParam("user");
    store.eraseUser(integration.id(), userKey).onComplete(erased -> {
      if (erased.failed()) {
        JsonErrors.send(ctx, 503, "unavailable", "the store cannot take the erasure now; retry");
      } else if (erased.result() == 0) {
        JsonErrors.send(ctx, 404, "not_found", "the gateway holds nothing on user '" + userKey + "'");
      } else {
        AdminVerticle.json(ctx, 200, new JsonObject().put("erased", userKey).put("rows", erased.result()));
      }
    });
  }

  private JsonObject userJson(UserRecord user, IntegrationDispatch integration) {
    JsonArray history = new JsonArray();
    for (UserRecord.HistoryEntry entry : user.history()) {
      history.add(new JsonObject()
          .put("at", time(entry.atMillis()))
          .put("kind", entry.kind())
          .put("direction", entry.direction())
          .put("what", entry.what())
          .put("status", entry.status())
          .put("detail", entry.detail()));
    }
    return new JsonObject()
        .put("integration", user.integration())
        .put("organizationUserId", user.userKey())
        .put("desired", stateJson(user.desired()))
        .put("actitoAcknowledged", stateJson(user.acknowledged()))
        .put("profileId", user.profileId())
        .put("pendingChanges", user.pendingChanges())
        .put("pendingSince", time(user.dirtySinceMillis()))
        .put("nextAttempt", time(user.nextAttemptMillis()))
        .put("attempts", user.attempts())
        .put("lastError", user.lastError())
        // metadata keys the Actito table has no attribute for: kept, never sent (guarantee 11)
        .put("skippedMetadata", new JsonArray(List.copyOf(integration.skippedMetadata(user.desired()))))
        .put("deadLetters", new JsonArray(user.deadLetters().stream().map(OperatorApi::deadLetterJson).toList()))
        .put("pendingDidomiWrites", new JsonArray(user.pendingDidomiWrites().stream().map(write -> new JsonObject()
            .put("deliveryKey", write.deliveryKey())
            .put("subscriptions", new JsonObject(write.subscriptionsJson()))
            .put("receivedAt", time(write.createdAtMillis()))
            .put("nextAttempt", write.dead() ? null : time(write.nextAttemptMillis()))
            .put("attempts", write.attempts())
            .put("lastError", write.lastError())
            .put("deadLetter", write.dead())
            .put("awaitsActitoCheck", write.verify())).toList()))
        .put("history", history);
  }

  static JsonObject stateJson(ConsentState state) {
    JsonObject subscriptions = new JsonObject();
    state.subscriptions().forEach(subscriptions::put);
    JsonObject attributes = new JsonObject();
    for (Map.Entry<String, AttributeValue> attribute : state.attributes().entrySet()) {
      attributes.put(attribute.getKey(), attribute.getValue().text());
    }
    return new JsonObject()
        .put("subscriptions", subscriptions)
        .put("attributes", attributes)
        .put("newestChange", state.isEmpty() ? null : time(state.newestChangeMillis()));
  }

  private void deadLetters(RoutingContext ctx, IntegrationDispatch integration) {
    int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    int limit = intParam(ctx, "limit", 50, 1, 500);
    if (offset < 0 || limit < 0) {
      JsonErrors.send(ctx, 400, "bad_request", "offset and limit must be non-negative integers (limit at most 500)");
      return;
    }
    store.deadLetters(integration.id(), offset, limit).onComplete(listed -> {
      if (listed.failed()) {
        JsonErrors.send(ctx, 500, "internal_error", "cannot read dead letters");
        return;
      }
      JsonArray items = new JsonArray();
      listed.result().forEach(entry -> items.add(deadLetterJson(entry)));
      AdminVerticle.json(ctx, 200, new JsonObject()
          .put("offset", offset).put("limit", limit).put("items", items)
          .put("next", listed.result().size() == limit ? offset + limit : null));
    });
  }

  private static JsonObject deadLetterJson(DeadLetterEntry entry) {
    return new JsonObject()
        .put("organizationUserId", entry.userKey())
        .put("direction", entry.direction())
        .put("field", entry.field())
        .put("value", entry.value())
        .put("at", time(entry.createdAtMillis()))
        .put("reason", entry.reason())
        .put("actitoStatus", entry.status())
        .put("detail", entry.detail())
        .put("attempts", entry.attempts());
  }

  private void replay(RoutingContext ctx, IntegrationDispatch integration) {
    String user = ctx.queryParams().get("user");
    store.replayDeadLetters(integration.id(), user).onComplete(replayed -> {
      if (replayed.failed()) {
        JsonErrors.send(ctx, 503, "unavailable", "the store cannot take the replay now; retry");
        return;
      }
      scheduler.wake(integration.id());
      AdminVerticle.json(ctx, 200, new JsonObject().put("replayed", replayed.result()));
    });
  }

  private void discard(RoutingContext ctx, IntegrationDispatch integration) {
    String user = ctx.pathParam("user");
    store.discardDeadLetter(integration.id(), user).onComplete(done -> {
      if (done.failed()) {
        JsonErrors.send(ctx, 503, "unavailable", "the store cannot take the change now; retry");
      } else if (!done.result()) {
        JsonErrors.send(ctx, 404, "not_found", "no dead letter for user '" + user + "'");
      } else {
        AdminVerticle.json(ctx, 200, new JsonObject().put("discarded", user));
      }
    });
  }

  private void status(RoutingContext ctx, IntegrationDispatch integration) {
    store.backlog(integration.id()).onComplete(read -> {
      if (read.failed()) {
        JsonErrors.send(ctx, 500, "internal_error", "cannot read the backlog");
        return;
      }
      var backlog = read.result();
      long now = System.currentTimeMillis();
      AdminVerticle.json(ctx, 200, new JsonObject()
          .put("integration", integration.id())
          .put("paused", integration.paused())
          .put("backlog", backlog.dirtyUsers())
          .put("oldestPendingAgeSeconds", backlog.oldestDirtySinceMillis() == null
              ? null : Math.max(0, (now - backlog.oldestDirtySinceMillis()) / 1000))
          .put("inFlight", scheduler.inFlight(integration.name()))
          .put("callsLastMinute", integration.callsLastMinute())
          .put("deadLetters", backlog.deadLetters())
          .put("lastSuccess", time(backlog.lastSuccessMillis()))
          .put("actito", integration.client().health().toJson()
              .put("apiVersion", integration.api().version())
              .put("licence", integration.client().licence().licence().toJson()))
          .put("bulk", integration.bulk() == null ? new JsonObject().put("enabled", false).put("lane", "api")
              : integration.bulk().status(backlog.dirtyUsers()))
          .put("didomi", writeBackStatus(integration.id())));
    });
  }

  private JsonObject writeBackStatus(String integration) {
    DidomiDispatch writeBack = writeBacks.get(integration);
    if (writeBack == null) {
      return null;
    }
    return new JsonObject()
        .put("inFlight", scheduler.inFlight(writeBack.name()))
        .put("breaker", writeBack.client().breakerState().name())
        .put("authFailed", writeBack.client().authFailed())
        .put("licence", writeBack.client().licence().licence().toJson());
  }

  private void pause(RoutingContext ctx, IntegrationDispatch integration, boolean paused) {
    store.setPaused(integration.id(), paused).onComplete(done -> {
      if (done.failed()) {
        JsonErrors.send(ctx, 503, "unavailable", "the store cannot take the change now; retry");
        return;
      }
      integration.paused(paused);
      if (!paused) {
        scheduler.wake(integration.id());
      }
      AdminVerticle.json(ctx, 200, new JsonObject().put("integration", integration.id()).put("paused", paused));
    });
  }

  private static void answer(RoutingContext ctx, Future<JsonObject> result, String notFound) {
    result.onComplete(done -> {
      if (done.failed()) {
        JsonErrors.send(ctx, 500, "internal_error", "cannot read the store");
      } else if (done.result() == null) {
        JsonErrors.send(ctx, 404, "not_found", notFound);
      } else {
        AdminVerticle.json(ctx, 200, done.result());
      }
    });
  }

  private static int intParam(RoutingContext ctx, String name, int defaultValue, int min, int max) {
    java.util.List<String> given = ctx.queryParams().getAll(name);
    if (given.isEmpty()) {
      return defaultValue;
    }
    if (given.size() > 1) {
      return -1; // offset=1&offset=2: which one was meant? refused, not guessed
    }
    String text = given.get(0);
    // ASCII digits only: Integer.parseInt also takes a sign and any Unicode digit (Arabic-Indic, fullwidth, ...)
    if (text.isEmpty() || text.length() > 9 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    int value = Integer.parseInt(text);
    return value < min || value > max ? -1 : value;
  }

  private static String time(Long millis) {
    return millis == null ? null : Instant.ofEpochMilli(millis).toString();
  }
}
