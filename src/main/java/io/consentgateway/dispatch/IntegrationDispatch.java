package io.consentgateway.dispatch;

import io.consentgateway.actito.ActitoApi;
import io.consentgateway.actito.ActitoClient;
import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.RemoteCallException.RetryReason;
import io.consentgateway.actito.SyncResult;
import io.consentgateway.actito.TableStructure;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.MetadataAttributes;
import io.consentgateway.mapping.ActitoProfileUpdate;
import io.consentgateway.mapping.ConsentMapper;
import io.consentgateway.mapping.ConsentState;
import io.consentgateway.mapping.DeliveryRules;
import io.consentgateway.remote.BlockedTime;
import io.consentgateway.store.ClaimedUser;
import io.consentgateway.store.DispatchQueue;
import io.consentgateway.store.DispatchOutcome;
import io.consentgateway.store.DispatchOutcome.Progress;
import io.consentgateway.store.DispatchOutcome.RefusedField;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one claimed user's pending state to Actito and records the outcome: the per-user step of
 * the dispatcher, shared by every dispatch verticle of the integration (thread-safe: no mutable
 * state of its own but the pause flag and meters).
 *
 * <p>The update carries every field whose desired value differs from what Actito last
 * acknowledged, so it is always the newest merged state (coalescing), and resending it after a
 * crash is harmless (updates are idempotent) — less the metadata keys the Actito table lacks (read
 * at start and refreshed: they are counted and shown in the user's view, never sent) and the
 * fields Actito refused at their current value.
 *
 * <p>One bad field never blocks the rest (guarantee 11): when Actito refuses (400, 409, 422) an
 * update of several fields, the update is split — subscriptions first, then halves, unsubscribes
 * ahead — and each part sent on its own, until each refused field stands alone: that field becomes a
 * dead letter of its own, with Actito's answer, and everything else is delivered. One refused field
 * among {@code n} costs about {@code 2·log2(n)} extra calls, once. When every field is refused it is
 * the profile, not a field: one dead letter for the user.
 */
public final class IntegrationDispatch implements DispatchLane<ClaimedUser> {

  private static final Logger log = LoggerFactory.getLogger(IntegrationDispatch.class);

  private final IntegrationConfig integration;
  private final ConsentMapper mapper;
  private final ActitoApi api;
  private final ActitoClient client;
  private final DispatchQueue store;
  private final RetryPolicy retries;
  private final DispatchMetrics metrics;
  private final Clock clock;
  private volatile boolean paused;
  private volatile TableStructure table; // null until read: then every metadata key is sent
  private volatile BulkLane bulk;
  private volatile Runnable wakeApiLane = () -> { };

  public IntegrationDispatch(
      IntegrationConfig integration, ConsentMapper mapper, ActitoClient client, DispatchQueue store, MeterRegistry registry) {
    this(integration, mapper, client, store, registry, BlockedTime.none(), Clock.systemUTC());
  }

  /**
   * @param downtime when the gateway was not running: like the time the licence was blocked, it
   *     does not age a change toward its dead letter
   */
  public IntegrationDispatch(IntegrationConfig integration, ConsentMapper mapper, ActitoClient client, DispatchQueue store,
      MeterRegistry registry, BlockedTime downtime, Clock clock) {
    this.integration = Objects.requireNonNull(integration, "integration");
    this.mapper = Objects.requireNonNull(mapper, "mapper");
    this.client = Objects.requireNonNull(client, "client");
    this.api = ActitoApi.of(client, integration.actito().apiVersion(),
        integration.mappings().stream().map(io.consentgateway.config.SubscriptionMapping::subscription).toList());
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.retries = new RetryPolicy(integration.dispatch(), Duration.ofMillis(integration.actito().timeoutMs()),
        BlockedTime.union(client.licence().licence().blockedTime(), downtime), clock);
    this.metrics = new DispatchMetrics(registry, integration.id(), clock);
  }

  public String id() {
    return integration.id();
  }

  public IntegrationConfig config() {
    return integration;
  }

  /** What this integration asks of Actito, in its API version. */
  public ActitoApi api() {
    return api;
  }

  public ActitoClient client() {
    return client;
  }

  @Override
  public boolean paused() {
    return paused;
  }

  /**
   * While the Actito licence is blocked, or its profile API version is gone, the lane claims
   * nothing; nor while the bulk lane is about to take the backlog in a file.
   */
  @Override
  public boolean blocked() {
    BulkLane lane = bulk;
    return licenceBlocked() || (lane != null && lane.holdsApiLane());
  }

  /** Whether the licence lets no profile call through (blocked, or the API version gone). */
  public boolean licenceBlocked() {
    return client.licence().blocked() || client.apiVersionGone();
  }

  /** The bulk lane of this integration, null when it has none. */
  public BulkLane bulk() {
    return bulk;
  }

  public void bulk(BulkLane lane) {
    this.bulk = lane;
  }

  /** How the bulk lane asks for a look at the API lane's queue (after an execution's people are released). */
  public void onWake(Runnable wake) {
    this.wakeApiLane = Objects.requireNonNull(wake, "wake");
  }

  void wakeApiLane() {
    wakeApiLane.run();
  }

  public void paused(boolean paused) {
    this.paused = paused;
    metrics.paused.set(paused ? 1 : 0);
  }

  DispatchMetrics metrics() {
    return metrics;
  }

  /** The Actito table as last read, or null when it could not be read yet. */
  public TableStructure table() {
    return table;
  }

  /**
   * Reads the table structure (one paced call) and keeps it; on failure the last one read stays.
   * The future never fails.
   */
  public Future<Void> refreshTable() {
    return api.tableStructure()
        .map(structure -> TableStructure.find(structure, integration.actito().table()))
        .transform(read -> {
          if (read.failed()) {
            log.info("integration {}: cannot read the Actito table structure yet: {}", integration.id(),
                read.cause().getMessage());
          } else if (read.result().isEmpty()) {
            log.warn("integration {}: Actito entity {} has no profile table {}", integration.id(),
                integration.actito().entity(), integration.actito().table());
          } else {
            TableStructure fresh = read.result().get();
            TableStructure previous = table;
            if (previous == null || !previous.attributes().keySet().equals(fresh.attributes().keySet())) {
              log.info("integration {}: Actito table {} has {} attribute(s)", integration.id(), fresh.name(),
                  fresh.attributes().size());
            }
            table = fresh;
          }
          return Future.succeededFuture();
        });
  }

  /**
   * The metadata keys of {@code desired} not sent because the Actito table has no such attribute
   * (empty while the table is unknown, or when metadata is not copied).
   */
  public Set<String> skippedMetadata(ConsentState desired) {
    TableStructure known = table;
    if (known == null || integration.metadataAttributes().mode() == MetadataAttributes.Mode.NONE) {
      return Set.of();
    }
    Set<String> skipped = new TreeSet<>();
    for (String name : desired.attributes().keySet()) {
      if (integration.metadataAttributes().includes(name) && !name.equals(integration.actito().userUniqueKey())
          && !known.hasAttribute(name)) {
        skipped.add(name);
      }
    }
    return skipped;
  }

  // (time, calls granted by the pacing gate so far), sampled by the scheduler every few seconds
  private final long[] sampleAt = new long[64];
  private final long[] sampleGranted = new long[64];
  private int samples;

  synchronized void sampleCalls() {
    int slot = samples++ % sampleAt.length;
    sampleAt[slot] = clock.millis();
    sampleGranted[slot] = client.gate().granted();
  }

  /** Actito calls started in about the last minute (every call: tokens and look-ups too). */
  public synchronized long callsLastMinute() {
    long now = clock.millis();
    long granted = client.gate().granted();
    long baseline = granted;
    int count = Math.min(samples, sampleAt.length);
    for (int i = 0; i < count; i++) {
      if (now - sampleAt[i] <= 60_000 && sampleGranted[i] < baseline) {
        baseline = sampleGranted[i];
      }
    }
    return granted - baseline;
  }

  @Override
  public String name() {
    return integration.id() + ".actito";
  }

  @Override
  public String integration() {
    return integration.id();
  }

  /** Users dispatched at once: enough to keep the licence's concurrency busy, bounded. */
  @Override
  public int maxInFlight() {
    return integration.actito().maxConcurrency() * 4;
  }

  @Override
  public int shards() {
    return integration.dispatch().shards();
  }

  @Override
  public Future<List<ClaimedUser>> claim(int room, Set<String> inFlight) {
    return store.claimDue(integration.id(), room, DispatchScheduler.LEASE_MILLIS, inFlight);
  }

  @Override
  public String userKey(ClaimedUser user) {
    return user.userKey();
  }

  @Override
  public void inFlightChanged(int count) {
    metrics.inFlight.set(count);
  }

  /** Sends, then records; the future completes once the outcome is stored (never fails for Actito's reasons). */
  @Override
  public Future<DispatchOutcome> dispatch(ClaimedUser user) {
    try {
      return send(user);
    } catch (RuntimeException e) {
      // a bug, not Actito: retrying would fail the same way, so keep it for an operator
      log.error("integration {}: cannot build the update of user {}", integration.id(), user.userKey(), e);
      metrics.deadLetter("internal_error");
      DispatchOutcome dead = new DispatchOutcome.DeadLetter("internal_error", null, String.valueOf(e));
      return store.record(user, dead).map(dead);
    }
  }

  private Future<DispatchOutcome> send(ClaimedUser user) {
    TableStructure known = table;
    ActitoProfileUpdate update = mapper.updateFor(user.desired(), user.acknowledged(),
        known == null ? name -> true : known::hasAttribute, user.refused());
    int skipped = skippedMetadata(user.desired()).size();
    if (skipped > 0) {
      metrics.metadataSkipped(skipped);
    }
    if (update.isEmpty()) {
      DispatchOutcome nothing = new DispatchOutcome.NothingToSend();
      metrics.outcome("nothing_to_send");
      return store.record(user, nothing).map(nothing);
    }
    return deliver(user, user.profileId(), update, Progress.NONE)
        .map(outcome -> wholeUserRefused(user, update, outcome))
        .otherwise(error -> retry(user, null, null, "dispatch failed: " + error.getMessage(), true, Progress.NONE))
        .compose(outcome -> store.record(user, outcome).map(outcome));
  }

  /**
   * Sends {@code update} after the parts of the change already sent ({@code before}); when Actito
   * refuses an update of several fields, sends its parts one after the other to find which.
   */
  private Future<DispatchOutcome> deliver(ClaimedUser user, Long profileId, ActitoProfileUpdate update, Progress before) {
    return api.apply(profileId, update).compose(result -> {
      if (result instanceof SyncResult.Delivered delivered) {
        return Future.succeededFuture(new DispatchOutcome.Delivered(before.then(new Progress(delivered.profileId(),
            update.subscriptions().keySet(), update.attributes().keySet(), List.of()))));
      }
      if (result instanceof SyncResult.Permanent permanent) {
        if (update.fieldCount() <= 1) {
          return Future.succeededFuture(new DispatchOutcome.Delivered(before.then(refused(profileId, update, permanent))));
        }
        ActitoProfileUpdate[] parts = split(update);
        return deliver(user, profileId, parts[0], before).compose(first -> first instanceof DispatchOutcome.Delivered done
            ? deliver(user, done.progress().profileId() != null ? done.progress().profileId() : profileId, parts[1],
                done.progress())
            : Future.succeededFuture(first));
      }
      return Future.succeededFuture(outcome(user, result, before));
    });
  }

  // every field refused, one by one: the profile itself is refused, not a field
  private DispatchOutcome wholeUserRefused(ClaimedUser user, ActitoProfileUpdate update, DispatchOutcome outcome) {
    if (outcome instanceof DispatchOutcome.Delivered delivered) {
      Progress progress = delivered.progress();
      if (update.fieldCount() > 1 && progress.sentSubscriptions().isEmpty() && progress.sentAttributes().isEmpty()) {
        RefusedField first = progress.refused().get(0);
        metrics.deadLetter("rejected");
        log.warn("integration {}: Actito refused every field of the update of user {} ({}): dead letter",
            integration.id(), user.userKey(), first.status());
        return new DispatchOutcome.DeadLetter("rejected", first.status(), first.detail());
      }
      if (!progress.refused().isEmpty()) {
        progress.refused().forEach(field -> {
          metrics.deadLetter("field_refused");
          log.warn("integration {}: Actito refused {} of user {} ({}): that field alone is a dead letter",
              integration.id(), field.field(), user.userKey(), field.status());
        });
      }
      if (!progress.sentSubscriptions().isEmpty() || !progress.sentAttributes().isEmpty()) {
        metrics.delivered(user.dirtySinceMillis(), Math.max(1, user.pendingChanges()));
      }
    }
    return outcome;
  }

  private static Progress refused(Long profileId, ActitoProfileUpdate update, SyncResult.Permanent permanent) {
    String field;
    String value;
    if (!update.subscriptions().isEmpty()) {
      var only = update.subscriptions().entrySet().iterator().next();
      field = DeliveryRules.subscriptionField(only.getKey());
      value = DeliveryRules.valueText(only.getValue());
    } else {
      var only = update.attributes().entrySet().iterator().next();
      field = DeliveryRules.attributeField(only.getKey());
      value = DeliveryRules.valueText(only.getValue());
    }
    return new Progress(profileId, Set.of(), Set.of(), List.of(new RefusedField(field, value,
        permanent.status() == 0 ? null : permanent.status(),
        permanent.message() + (permanent.body() == null ? "" : " — " + permanent.body()))));
  }

  /**
   * Two parts of an update Actito refused: the subscriptions and the attributes when it has both
   * (a withdrawal of consent then goes through on its own), else two halves of its fields,
   * unsubscribes first.
   */
  static ActitoProfileUpdate[] split(ActitoProfileUpdate update) {
    if (!update.subscriptions().isEmpty() && !update.attributes().isEmpty()) {
      return new ActitoProfileUpdate[] {
        update.restrictedTo(name -> false, name -> true), update.restrictedTo(name -> true, name -> false)};
    }
    boolean subscriptions = !update.subscriptions().isEmpty();
    List<String> names = new ArrayList<>(subscriptions ? update.subscriptions().keySet() : update.attributes().keySet());
    if (subscriptions) {
      names.sort(Comparator.comparing(name -> update.subscriptions().get(name))); // false (unsubscribe) first
    }
    Set<String> first = new HashSet<>(names.subList(0, names.size() / 2));
    return subscriptions
        ? new ActitoProfileUpdate[] {
          update.restrictedTo(name -> false, first::contains), update.restrictedTo(name -> false, name -> !first.contains(name))}
        : new ActitoProfileUpdate[] {
          update.restrictedTo(first::contains, name -> false), update.restrictedTo(name -> !first.contains(name), name -> false)};
  }

  private DispatchOutcome outcome(ClaimedUser user, SyncResult result, Progress before) {
    if (result instanceof SyncResult.NotInActito) {
      metrics.outcome("not_in_actito");
      return new DispatchOutcome.NotInActito("no profile with " + integration.actito().userUniqueKey() + " = " + user.userKey());
    }
    SyncResult.Retryable retryable = (SyncResult.Retryable) result;
    if (released(retryable)) {
      metrics.outcome("released");
      return new DispatchOutcome.Released(retryable.message());
    }
    // An open breaker or a refused key means the call was never made: the change waits, it does
    // not move toward a dead letter (the bug that made Knative drop its breaker).
    boolean counts = RemoteCallException.countsAsAttempt(retryable.reason(), retryable.authFailed());
    return retry(user, retryable.reason(), retryable.retryAfter(), retryable.message(), counts, before);
  }

  // No call was made for the user because its licence blocked: released, nothing written. The
  // failures that made calls (and blocked the licence) are retries like any other.
  private boolean released(SyncResult.Retryable retryable) {
    return RemoteCallException.releasedByTheLicence(retryable.reason(), retryable.authFailed(),
        client.licence().licence().status().keyRefused());
  }

  private DispatchOutcome retry(ClaimedUser user, RetryReason reason, Duration retryAfter, String message, boolean counts,
      Progress progress) {
    RetryPolicy.Decision decision = retries.decide(user.attempts(), user.dirtySinceMillis(), counts, retryAfter,
        reason == RetryReason.TIMEOUT || reason == RetryReason.CONNECTION);
    if (decision.giveUp()) {
      metrics.deadLetter("gave_up");
      log.warn("integration {}: user {} still failing after {} attempts: dead letter ({})",
          integration.id(), user.userKey(), decision.attempt(), message);
      return new DispatchOutcome.DeadLetter("gave_up", null, "after " + decision.attempt() + " attempts: " + message);
    }
    metrics.outcome(counts ? "retry" : "waiting");
    // a write that timed out or lost its connection may still be applied by Actito, late
    long recheck = integration.dispatch().inDoubtRecheckMs();
    Long recheckAt = recheck > 0 && (reason == RetryReason.TIMEOUT || reason == RetryReason.CONNECTION)
        ? clock.millis() + recheck : null;
    return new DispatchOutcome.Retry(decision.nextAttemptMillis(), counts, null, message, progress, recheckAt);
  }
}
