package io.consentgateway.dispatch;

import io.consentgateway.actito.ActitoClient;
import io.consentgateway.actito.ActitoCallException.RetryReason;
import io.consentgateway.actito.ProfileSync;
import io.consentgateway.actito.SyncResult;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.mapping.ActitoProfileUpdate;
import io.consentgateway.mapping.ConsentMapper;
import io.consentgateway.remote.BlockedTime;
import io.consentgateway.store.ClaimedUser;
import io.consentgateway.store.ConsentStore;
import io.consentgateway.store.DispatchOutcome;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one claimed user's pending state to Actito and records the outcome: the per-user step of
 * the dispatcher, shared by every dispatch verticle of the integration (thread-safe: no mutable
 * state of its own but the pause flag and meters).
 *
 * <p>The update carries every field whose desired value differs from what Actito last
 * acknowledged, so it is always the newest merged state (coalescing), and resending it after a
 * crash is harmless (updates are idempotent).
 */
public final class IntegrationDispatch implements DispatchLane<ClaimedUser> {

  private static final Logger log = LoggerFactory.getLogger(IntegrationDispatch.class);

  private final IntegrationConfig integration;
  private final ConsentMapper mapper;
  private final ProfileSync sync;
  private final ActitoClient client;
  private final ConsentStore store;
  private final RetryPolicy retries;
  private final DispatchMetrics metrics;
  private volatile boolean paused;

  public IntegrationDispatch(
      IntegrationConfig integration, ConsentMapper mapper, ActitoClient client, ConsentStore store, MeterRegistry registry) {
    this(integration, mapper, client, store, registry, BlockedTime.none(), Clock.systemUTC());
  }

  /**
   * @param downtime when the gateway was not running: like the time the licence was blocked, it
   *     does not age a change toward its dead letter
   */
  public IntegrationDispatch(IntegrationConfig integration, ConsentMapper mapper, ActitoClient client, ConsentStore store,
      MeterRegistry registry, BlockedTime downtime, Clock clock) {
    this.integration = Objects.requireNonNull(integration, "integration");
    this.mapper = Objects.requireNonNull(mapper, "mapper");
    this.client = Objects.requireNonNull(client, "client");
    this.sync = new ProfileSync(client);
    this.store = Objects.requireNonNull(store, "store");
    this.retries = new RetryPolicy(integration.dispatch(), Duration.ofMillis(integration.actito().timeoutMs()),
        BlockedTime.union(client.licence().licence().blockedTime(), downtime), clock);
    this.metrics = new DispatchMetrics(registry, integration.id());
  }

  public String id() {
    return integration.id();
  }

  public IntegrationConfig config() {
    return integration;
  }

  public ActitoClient client() {
    return client;
  }

  @Override
  public boolean paused() {
    return paused;
  }

  /** While the Actito licence is blocked the lane claims nothing. */
  @Override
  public boolean blocked() {
    return client.licence().blocked();
  }

  public void paused(boolean paused) {
    this.paused = paused;
    metrics.paused.set(paused ? 1 : 0);
  }

  DispatchMetrics metrics() {
    return metrics;
  }

  // (time, calls granted by the pacing gate so far), sampled by the scheduler every few seconds
  private final long[] sampleAt = new long[64];
  private final long[] sampleGranted = new long[64];
  private int samples;

  synchronized void sampleCalls() {
    int slot = samples++ % sampleAt.length;
    sampleAt[slot] = System.currentTimeMillis();
    sampleGranted[slot] = client.gate().granted();
  }

  /** Actito calls started in about the last minute (every call: tokens and look-ups too). */
  public synchronized long callsLastMinute() {
    long now = System.currentTimeMillis();
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
    ActitoProfileUpdate update = mapper.updateFor(user.desired(), user.acknowledged());
    if (update.isEmpty()) {
      DispatchOutcome nothing = new DispatchOutcome.NothingToSend();
      metrics.outcome("nothing_to_send");
      return store.record(user, nothing).map(nothing);
    }
    return sync.apply(user.userKey(), user.profileId(), update.toJson())
        .map(result -> outcome(user, result))
        .otherwise(error -> retry(user, null, null, "dispatch failed: " + error.getMessage(), true))
        .compose(outcome -> store.record(user, outcome).map(outcome));
  }

  private DispatchOutcome outcome(ClaimedUser user, SyncResult result) {
    if (result instanceof SyncResult.Delivered delivered) {
      metrics.delivered(user.dirtySinceMillis(), Math.max(1, user.pendingChanges()));
      return new DispatchOutcome.Delivered(delivered.profileId());
    }
    if (result instanceof SyncResult.NotInActito) {
      metrics.outcome("not_in_actito");
      return new DispatchOutcome.NotInActito("no profile with " + integration.actito().userUniqueKey() + " = " + user.userKey());
    }
    if (result instanceof SyncResult.Permanent permanent) {
      metrics.deadLetter("rejected");
      log.warn("integration {}: Actito rejected the update of user {} ({} {}): dead letter",
          integration.id(), user.userKey(), permanent.status(), permanent.message());
      return new DispatchOutcome.DeadLetter("rejected", permanent.status() == 0 ? null : permanent.status(),
          permanent.message() + (permanent.body() == null ? "" : " — " + permanent.body()));
    }
    SyncResult.Retryable retryable = (SyncResult.Retryable) result;
    if (released(retryable)) {
      metrics.outcome("released");
      return new DispatchOutcome.Released(retryable.message());
    }
    // An open breaker or a refused key means the call was never made: the change waits, it does
    // not move toward a dead letter (the bug that made Knative drop its breaker).
    boolean counts = retryable.reason() != RetryReason.BREAKER_OPEN
        && retryable.reason() != RetryReason.QUEUE_FULL
        && !retryable.authFailed();
    return retry(user, retryable.reason(), retryable.retryAfter(), retryable.message(), counts);
  }

  // No call was made for the user because its licence blocked: released, nothing written. The
  // failures that made calls (and blocked the licence) are retries like any other.
  private boolean released(SyncResult.Retryable retryable) {
    return retryable.reason() == RetryReason.BREAKER_OPEN
        || retryable.reason() == RetryReason.PAUSED
        || (retryable.authFailed() && client.licence().licence().status().keyRefused());
  }

  private DispatchOutcome retry(ClaimedUser user, RetryReason reason, Duration retryAfter, String message, boolean counts) {
    RetryPolicy.Decision decision = retries.decide(user.attempts(), user.dirtySinceMillis(), counts, retryAfter,
        reason == RetryReason.TIMEOUT || reason == RetryReason.CONNECTION);
    if (decision.giveUp()) {
      metrics.deadLetter("gave_up");
      log.warn("integration {}: user {} still failing after {} attempts: dead letter ({})",
          integration.id(), user.userKey(), decision.attempt(), message);
      return new DispatchOutcome.DeadLetter("gave_up", null, "after " + decision.attempt() + " attempts: " + message);
    }
    metrics.outcome(counts ? "retry" : "waiting");
    return new DispatchOutcome.Retry(decision.nextAttemptMillis(), counts, null, message);
  }
}
