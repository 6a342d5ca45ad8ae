package io.consentgateway.dispatch;

import io.consentgateway.store.OperatorQueries;
import io.consentgateway.store.IntegrationBacklog;
import io.consentgateway.store.StoreUnavailableException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the dispatch verticles: for each {@link DispatchLane}, claims due items from the store a
 * page at a time — never more than {@link DispatchLane#maxInFlight()} in flight, so a backlog of
 * millions stays on disk, not on the heap — and sends each on the event-bus address of its shard
 * (a stable hash of {@code organization_user_id}), never one for a user already in flight. A lane
 * that is paused by an operator, or {@link DispatchLane#blocked() blocked} by its licence, claims
 * nothing; {@link #wake} looks at it again at once.
 */
public final class DispatchScheduler extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(DispatchScheduler.class);
  static final long LEASE_MILLIS = TimeUnit.MINUTES.toMillis(15);
  private static final long IDLE_POLL_MILLIS = 200;
  private static final long GAUGE_REFRESH_MILLIS = 2_000;
  /** How often each integration's Actito table structure is read again (columns come and go). */
  static final long TABLE_REFRESH_MILLIS = TimeUnit.MINUTES.toMillis(15);

  private final Map<String, DispatchLane<?>> lanes = new HashMap<>();
  private final Map<String, IntegrationDispatch> integrations;
  private final OperatorQueries store;
  private final Map<String, Set<String>> inFlight = new HashMap<>();
  private final Set<String> claiming = new HashSet<>();
  private final Set<String> pollScheduled = new HashSet<>();
  private volatile boolean stopping;
  private long gaugeTimer = -1;
  private long tableTimer = -1;
  private Context schedulerContext;
  private final Clock clock;

  public DispatchScheduler(List<DispatchLane<?>> lanes, Map<String, IntegrationDispatch> integrations, OperatorQueries store) {
    this(lanes, integrations, store, Clock.systemUTC());
  }

  /** @param clock reads the shutdown deadline and the age of the oldest pending change */
  public DispatchScheduler(List<DispatchLane<?>> lanes, Map<String, IntegrationDispatch> integrations, OperatorQueries store,
      Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    lanes.forEach(lane -> this.lanes.put(lane.name(), lane));
    this.integrations = Objects.requireNonNull(integrations, "integrations");
    this.store = Objects.requireNonNull(store, "store");
    for (DispatchLane<?> lane : lanes) {
      inFlight.put(lane.name(), ConcurrentHashMap.newKeySet());
    }
  }

  static String address(DispatchLane<?> lane, int shard) {
    return "consent-gateway.dispatch." + lane.name() + "." + shard;
  }

  static int shard(String userKey, int shards) {
    return Math.floorMod(userKey.hashCode(), shards);
  }

  @Override
  public Future<?> start() {
    schedulerContext = context;
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
      gaugeTimer = vertx.setPeriodic(0, GAUGE_REFRESH_MILLIS, id -> refreshGauges());
      tableTimer = vertx.setPeriodic(TABLE_REFRESH_MILLIS, id -> integrations.values().forEach(IntegrationDispatch::refreshTable));
      // the table structure before the first claim, so that the first dispatch already leaves out
      // metadata keys the table lacks; not before start() completes: ingest never waits on Actito
      // (a failure to read it only means every key is sent until it can be read)
      Future.join(integrations.values().stream().map(IntegrationDispatch::refreshTable).toList())
          .onComplete(read -> lanes.keySet().forEach(this::poll));
    });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (gaugeTimer >= 0) {
      vertx.cancelTimer(gaugeTimer);
    }
    if (tableTimer >= 0) {
      vertx.cancelTimer(tableTimer);
    }
    return Future.succeededFuture();
  }

  /**
   * Stops claiming and waits, at most {@code maxMillis}, for the dispatches in flight to record
   * their outcome; what is still in flight then is left to its lease (released at next start).
   */
  public Future<Void> drain(long maxMillis) {
    stopping = true;
    if (schedulerContext == null) {
      return Future.succeededFuture(); // never started
    }
    Promise<Void> drained = Promise.promise();
    long deadline = clock.millis() + maxMillis;
    schedulerContext.runOnContext(v -> checkDrained(drained, deadline));
    return drained.future();
  }

  private void checkDrained(Promise<Void> drained, long deadline) {
    int left = inFlight.values().stream().mapToInt(Set::size).sum();
    if (left == 0 || clock.millis() >= deadline) {
      if (left > 0) {
        log.warn("{} dispatches still in flight at shutdown; they will be sent again at next start", left);
      }
      drained.complete();
      return;
    }
    vertx.setTimer(50, id -> checkDrained(drained, deadline));
  }

  /** Users of the lane being dispatched now. */
  public int inFlight(String lane) {
    Set<String> users = inFlight.get(lane);
    return users == null ? 0 : users.size();
  }

  /** Ask for an immediate look at an integration's queues (after a resume or a replay). */
  public void wake(String integration) {
    if (schedulerContext == null) {
      return; // not started yet: start() polls every lane anyway
    }
    schedulerContext.runOnContext(v -> lanes.values().stream()
        .filter(lane -> lane.integration().equals(integration))
        .forEach(lane -> poll(lane.name())));
  }

  private void poll(String laneName) {
    if (stopping || claiming.contains(laneName)) {
      return;
    }
    poll(lanes.get(laneName));
  }

  private <T> void poll(DispatchLane<T> lane) {
    Set<String> users = inFlight.get(lane.name());
    int room = lane.maxInFlight() - users.size();
    if (lane.paused() || lane.blocked() || room <= 0) {
      // an outage costs a flag check per poll: no claim, no write
      schedulePoll(lane.name());
      return;
    }
    claiming.add(lane.name());
    lane.claim(room, users).onComplete(claimed -> {
      claiming.remove(lane.name());
      if (claimed.failed()) {
        // an overloaded store is ingest's to answer (503); the dispatcher just comes back later
        if (!(claimed.cause() instanceof StoreUnavailableException unavailable)
            || unavailable.reason() != StoreUnavailableException.Reason.OVERLOADED) {
          log.warn("{}: cannot read due work: {}", lane.name(), claimed.cause().getMessage());
        }
        schedulePoll(lane.name());
        return;
      }
      int sent = 0;
      for (T item : claimed.result()) {
        String userKey = lane.userKey(item);
        if (!users.add(userKey)) {
          continue; // its lease expired while still in flight (over 15 min): the running dispatch records it
        }
        sent++;
        lane.inFlightChanged(users.size());
        vertx.eventBus()
            .request(address(lane, shard(userKey, lane.shards())), item,
                // every dispatch ends with a reply (its calls have timeouts); the timeout is a backstop
                // twice the lease, and the user stays excluded from claims until then
                new DeliveryOptions().setLocalOnly(true).setSendTimeout(2 * LEASE_MILLIS))
            .onComplete(done -> {
              if (done.failed()) {
                log.error("{}: dispatch of user {} never answered: {}", lane.name(), userKey, done.cause().getMessage());
              }
              users.remove(userKey);
              lane.inFlightChanged(users.size());
              poll(lane.name());
            });
      }
      if (sent == 0) {
        schedulePoll(lane.name());
      }
    });
  }

  private void schedulePoll(String laneName) {
    if (stopping || !pollScheduled.add(laneName)) {
      return;
    }
    vertx.setTimer(IDLE_POLL_MILLIS, id -> {
      pollScheduled.remove(laneName);
      poll(laneName);
    });
  }

  private void refreshGauges() {
    for (IntegrationDispatch integration : integrations.values()) {
      integration.sampleCalls();
      store.backlog(integration.id()).onSuccess(backlog -> {
        integration.metrics().backlog.set(backlog.dirtyUsers());
        integration.metrics().oldestPendingAgeSeconds.set(backlog.oldestDirtySinceMillis() == null
            ? 0 : Math.max(0, (clock.millis() - backlog.oldestDirtySinceMillis()) / 1000));
      });
    }
  }
}
