package io.consentgateway.dispatch;

import io.consentgateway.store.ClaimedUser;
import io.consentgateway.store.ConsentStore;
import io.consentgateway.store.IntegrationBacklog;
import io.consentgateway.store.StoreUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the dispatch verticles: for each integration, claims due users from the store a page at a
 * time — never more than {@link IntegrationDispatch#maxInFlightUsers()} in flight, so a backlog of
 * millions stays on disk, not on the heap — and sends each on the event-bus address of its shard
 * (a stable hash of {@code organization_user_id}).
 */
public final class DispatchScheduler extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(DispatchScheduler.class);
  static final long LEASE_MILLIS = TimeUnit.MINUTES.toMillis(15);
  private static final long IDLE_POLL_MILLIS = 200;
  private static final long GAUGE_REFRESH_MILLIS = 2_000;

  private final Map<String, IntegrationDispatch> integrations;
  private final ConsentStore store;
  private final Map<String, Set<String>> inFlight = new HashMap<>();
  private final Set<String> claiming = new HashSet<>();
  private final Set<String> pollScheduled = new HashSet<>();
  private volatile boolean stopping;
  private long gaugeTimer = -1;
  private io.vertx.core.Context schedulerContext;

  public DispatchScheduler(Map<String, IntegrationDispatch> integrations, ConsentStore store) {
    this.integrations = Objects.requireNonNull(integrations, "integrations");
    this.store = Objects.requireNonNull(store, "store");
  }

  static String address(String integration, int shard) {
    return "consent-gateway.dispatch." + integration + "." + shard;
  }

  static int shard(String userKey, int shards) {
    return Math.floorMod(userKey.hashCode(), shards);
  }

  @Override
  public Future<?> start() {
    schedulerContext = context;
    for (IntegrationDispatch integration : integrations.values()) {
      inFlight.put(integration.id(), java.util.concurrent.ConcurrentHashMap.newKeySet());
    }
    // pauses survive restarts
    List<Future<IntegrationBacklog>> loaded = integrations.values().stream()
        .map(integration -> store.backlog(integration.id()).onSuccess(backlog -> {
          integration.paused(backlog.paused());
          if (backlog.paused()) {
            log.info("integration {} starts paused (an operator paused it)", integration.id());
          }
        }))
        .toList();
    return Future.all(loaded).onSuccess(v -> {
      integrations.keySet().forEach(this::poll);
      gaugeTimer = vertx.setPeriodic(0, GAUGE_REFRESH_MILLIS, id -> refreshGauges());
    });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (gaugeTimer >= 0) {
      vertx.cancelTimer(gaugeTimer);
    }
    return Future.succeededFuture();
  }

  /**
   * Stops claiming and waits, at most {@code maxMillis}, for the dispatches in flight to record
   * their outcome; what is still in flight then is left to its lease (released at next start).
   */
  public Future<Void> drain(long maxMillis) {
    stopping = true;
    io.vertx.core.Promise<Void> drained = io.vertx.core.Promise.promise();
    if (schedulerContext == null) {
      return Future.succeededFuture(); // never started
    }
    long deadline = System.currentTimeMillis() + maxMillis;
    schedulerContext.runOnContext(v -> checkDrained(drained, deadline));
    return drained.future();
  }

  private void checkDrained(io.vertx.core.Promise<Void> drained, long deadline) {
    int left = inFlight.values().stream().mapToInt(Set::size).sum();
    if (left == 0 || System.currentTimeMillis() >= deadline) {
      if (left > 0) {
        log.warn("{} dispatches still in flight at shutdown; they will be sent again at next start", left);
      }
      drained.complete();
      return;
    }
    vertx.setTimer(50, id -> checkDrained(drained, deadline));
  }

  /** Users of the integration being dispatched now. */
  public int inFlight(String integration) {
    Set<String> users = inFlight.get(integration);
    return users == null ? 0 : users.size();
  }

  /** Ask for an immediate look at the integration's queue (after ingest, a resume, a replay). */
  public void wake(String integration) {
    if (integrations.containsKey(integration)) {
      poll(integration);
    }
  }

  private void poll(String integrationId) {
    IntegrationDispatch integration = integrations.get(integrationId);
    if (stopping || claiming.contains(integrationId)) {
      return;
    }
    Set<String> users = inFlight.get(integrationId);
    int room = integration.maxInFlightUsers() - users.size();
    if (integration.paused() || room <= 0) {
      schedulePoll(integrationId);
      return;
    }
    claiming.add(integrationId);
    store.claimDue(integrationId, room, LEASE_MILLIS, users).onComplete(claimed -> {
      claiming.remove(integrationId);
      if (claimed.failed()) {
        // an overloaded store is ingest's to answer (503); the dispatcher just comes back later
        if (!(claimed.cause() instanceof StoreUnavailableException unavailable)
            || unavailable.reason() != StoreUnavailableException.Reason.OVERLOADED) {
          log.warn("integration {}: cannot read due users: {}", integrationId, claimed.cause().getMessage());
        }
        schedulePoll(integrationId);
        return;
      }
      int shards = integration.config().dispatch().shards();
      int sent = 0;
      for (ClaimedUser user : claimed.result()) {
        if (!users.add(user.userKey())) {
          continue; // its lease expired while still in flight (over 15 min): the running dispatch records it
        }
        sent++;
        integration.metrics().inFlight.set(users.size());
        vertx.eventBus()
            .request(address(integrationId, shard(user.userKey(), shards)), user,
                new DeliveryOptions().setLocalOnly(true).setSendTimeout(LEASE_MILLIS))
            .onComplete(done -> {
              users.remove(user.userKey());
              integration.metrics().inFlight.set(users.size());
              poll(integrationId);
            });
      }
      if (sent == 0) {
        schedulePoll(integrationId);
      }
    });
  }

  private void schedulePoll(String integrationId) {
    if (stopping || !pollScheduled.add(integrationId)) {
      return;
    }
    vertx.setTimer(IDLE_POLL_MILLIS, id -> {
      pollScheduled.remove(integrationId);
      poll(integrationId);
    });
  }

  private void refreshGauges() {
    for (IntegrationDispatch integration : integrations.values()) {
      integration.sampleCalls();
      store.backlog(integration.id()).onSuccess(backlog -> {
        integration.metrics().backlog.set(backlog.dirtyUsers());
        integration.metrics().oldestPendingAgeSeconds.set(backlog.oldestDirtySinceMillis() == null
            ? 0 : Math.max(0, (System.currentTimeMillis() - backlog.oldestDirtySinceMillis()) / 1000));
      });
    }
  }
}
