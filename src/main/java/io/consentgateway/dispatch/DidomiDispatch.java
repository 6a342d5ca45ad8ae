package io.consentgateway.dispatch;

import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.webhook.ActitoProfileChange;
import io.consentgateway.didomi.DidomiClient;
import io.consentgateway.mapping.DidomiConsentEvent;
import io.consentgateway.didomi.DidomiWriteResult;
import io.consentgateway.remote.RemoteCallException.RetryReason;
import io.consentgateway.mapping.ReverseMapper;
import io.consentgateway.mapping.ReverseMapping;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.mapping.WriteBackRules;
import io.consentgateway.remote.BlockedTime;
import io.consentgateway.store.ClaimedDidomiWrite;
import io.consentgateway.store.WriteBackQueue;
import io.consentgateway.store.DidomiWriteOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-back lane of one integration: each user's Actito subscription changes, oldest first,
 * written to Didomi's Consents API as consent events whose id derives from the Actito delivery, so
 * a retry never imports twice. A value that a newer change has overtaken since Actito reported it
 * is not written: the newer value wins in both systems (guarantee 3). An ordinary write-back costs
 * one Didomi call and no Actito call. A report that may be the late echo of the gateway's own
 * write ({@code verify}) first costs one paced Actito look-up, made once no Actito call of the user
 * is in flight; the store then settles what counts ({@link io.consentgateway.mapping.ActitoReportRules}).
 */
public final class DidomiDispatch implements DispatchLane<ClaimedDidomiWrite> {

  private static final Logger log = LoggerFactory.getLogger(DidomiDispatch.class);

  private final IntegrationConfig integration;
  private final IntegrationDispatch actito;
  private final ReverseMapper mapper;
  private final DidomiClient client;
  private final WriteBackQueue store;
  private final RetryPolicy retries;
  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new java.util.concurrent.ConcurrentHashMap<>();

  /** @param actito the same integration's Actito lane, whose pause this lane follows */
  public DidomiDispatch(IntegrationDispatch actito, DidomiClient client, WriteBackQueue store, MeterRegistry registry) {
    this(actito, client, store, registry, BlockedTime.none(), Clock.systemUTC());
  }

  /**
   * @param downtime when the gateway was not running: like the time the Actito or Didomi licence
   *     was blocked, it does not age a write-back toward its dead letter
   */
  public DidomiDispatch(IntegrationDispatch actito, DidomiClient client, WriteBackQueue store, MeterRegistry registry,
      BlockedTime downtime, Clock clock) {
    this.actito = Objects.requireNonNull(actito, "actito");
    this.integration = actito.config();
    this.mapper = new ReverseMapper(integration);
    this.client = Objects.requireNonNull(client, "client");
    this.store = Objects.requireNonNull(store, "store");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.retries = new RetryPolicy(integration.dispatch(), client.settings().timeout(),
        BlockedTime.union(actito.client().licence().licence().blockedTime(), client.licence().licence().blockedTime(),
            downtime), clock);
  }

  public DidomiClient client() {
    return client;
  }

  @Override
  public String name() {
    return integration.id() + ".didomi";
  }

  @Override
  public String integration() {
    return integration.id();
  }

  @Override
  public int maxInFlight() {
    return client.settings().maxConcurrency() * 4;
  }

  @Override
  public boolean paused() {
    return actito.paused();
  }

  /** Each write-back reads the Actito profile, then writes to Didomi: either licence blocked stops the lane. */
  @Override
  public boolean blocked() {
    return actito.licenceBlocked() || client.licence().blocked();
  }

  @Override
  public int shards() {
    return integration.dispatch().shards();
  }

  @Override
  public Future<List<ClaimedDidomiWrite>> claim(int room, Set<String> inFlight) {
    return store.claimDidomiWrites(integration.id(), room, DispatchScheduler.LEASE_MILLIS, inFlight);
  }

  @Override
  public String userKey(ClaimedDidomiWrite write) {
    return write.userKey();
  }

  @Override
  public Future<DidomiWriteOutcome> dispatch(ClaimedDidomiWrite write) {
    try {
      return send(write);
    } catch (RuntimeException e) {
      // a bug, not Didomi: retrying would fail the same way, so keep it for an operator
      log.error("integration {}: cannot build the consent event for user {}", integration.id(), write.userKey(), e);
      count("dead_letter");
      return record(write, new DidomiWriteOutcome.DeadLetter("internal_error", null, String.valueOf(e)));
    }
  }

  private Future<DidomiWriteOutcome> send(ClaimedDidomiWrite write) {
    if (write.verify()) {
      return verify(write);
    }
    Map<String, Boolean> current = WriteBackRules.current(write.subscriptions(), write.createdAtMillis(), write.desired());
    // a value overtaken may leave the enabling of its purpose still to write: the gateway derives from it
    Set<String> enabling = mapper.purposesStillEnabledBy(write.subscriptions(), write.createdAtMillis(), write.desired());
    if (current.isEmpty() && enabling.isEmpty()) {
      return record(write, new DidomiWriteOutcome.Superseded("a newer change overtook " + write.subscriptions()
          + ": not written"));
    }
    return write(write, current, enabling);
  }

  // Actito's webhook carries no time: one that may be the late echo of the gateway's own write is
  // settled by reading what Actito holds now (one paced look-up)
  private Future<DidomiWriteOutcome> verify(ClaimedDidomiWrite write) {
    return actito.api().lookup(write.userKey())
        .map(profile -> profile.map(p -> p.subscriptions()).orElse(Map.of()))
        .transform(looked -> {
          if (looked.succeeded()) {
            return record(write, new DidomiWriteOutcome.Checked(looked.result(), mapper));
          }
          Throwable error = looked.cause();
          String message = "cannot read the Actito profile: " + error.getMessage();
          // the one failure model of both clients: what the Actito read's failure means is what a
          // Didomi write's would
          RemoteCallException failure = error instanceof RemoteCallException e ? e : null;
          if (failure != null
              && failure.releasedByTheLicence(actito.client().licence().licence().status().keyRefused())) {
            count("released");
            return record(write, new DidomiWriteOutcome.Released(message));
          }
          boolean counts = failure == null || failure.countsAsAttempt();
          // Actito's Retry-After (a 429) or the breaker's remaining time is the earliest worth trying
          Duration retryAfter = failure == null ? null : failure.retryAfter().orElse(null);
          return record(write, retry(write, null, retryAfter, message, counts));
        });
  }

  private Future<DidomiWriteOutcome> write(ClaimedDidomiWrite write, Map<String, Boolean> current, Set<String> enabling) {
    // A partial write gets its own id: Didomi must not take it for the full one, nor the reverse.
    String deliveryKey = current.size() == write.subscriptions().size()
        ? write.deliveryKey()
        : write.deliveryKey() + "#" + String.join(",", current.keySet())
            + (current.isEmpty() ? "enabled:" + String.join(",", enabling) : "");
    ReverseMapping mapping = mapper.map(
        new ActitoProfileChange(0, write.profileId(), write.userKey(), current, deliveryKey), write.desired(), enabling);
    if (mapping.event().isEmpty()) {
      return record(write, new DidomiWriteOutcome.Superseded("no mapped purpose for " + current.keySet()));
    }
    DidomiConsentEvent event = mapping.event().get();
    return client.writeConsentEvent(integration.didomi().organizationId(), new JsonObject(event.json()))
        .map(result -> outcome(write, event, result))
        .otherwise(error -> retry(write, null, null, "write failed: " + error.getMessage(), true))
        .compose(outcome -> record(write, outcome));
  }

  private DidomiWriteOutcome outcome(ClaimedDidomiWrite write, DidomiConsentEvent event, DidomiWriteResult result) {
    if (result instanceof DidomiWriteResult.Delivered delivered) {
      count("written");
      return new DidomiWriteOutcome.Written(event.id(), delivered.alreadyImported() ? "already imported" : null,
          event.subscriptions());
    }
    if (result instanceof DidomiWriteResult.Permanent permanent) {
      count("dead_letter");
      log.warn("integration {}: Didomi rejected the consent event for user {} ({}): dead letter",
          integration.id(), write.userKey(), permanent.status());
      return new DidomiWriteOutcome.DeadLetter("rejected", permanent.status(), permanent.message() + " — " + permanent.body());
    }
    DidomiWriteResult.Retryable retryable = (DidomiWriteResult.Retryable) result;
    if (RemoteCallException.releasedByTheLicence(retryable.reason(), retryable.authFailed(),
        client.licence().licence().status().keyRefused())) {
      count("released"); // no call was made: the Didomi licence blocked while the write waited
      return new DidomiWriteOutcome.Released(retryable.message());
    }
    boolean counts = RemoteCallException.countsAsAttempt(retryable.reason(), retryable.authFailed());
    return retry(write, retryable.reason(), retryable.retryAfter(), retryable.message(), counts);
  }

  private DidomiWriteOutcome retry(ClaimedDidomiWrite write, RetryReason reason, Duration retryAfter, String message,
      boolean counts) {
    RetryPolicy.Decision decision = retries.decide(write.attempts(), write.createdAtMillis(), counts, retryAfter,
        reason == RetryReason.TIMEOUT || reason == RetryReason.CONNECTION);
    if (decision.giveUp()) {
      count("dead_letter");
      return new DidomiWriteOutcome.DeadLetter("gave_up", null, "after " + decision.attempt() + " attempts: " + message);
    }
    count(counts ? "retry" : "waiting");
    return new DidomiWriteOutcome.Retry(decision.nextAttemptMillis(), counts, message);
  }

  private Future<DidomiWriteOutcome> record(ClaimedDidomiWrite write, DidomiWriteOutcome outcome) {
    if (outcome instanceof DidomiWriteOutcome.Superseded) {
      count("superseded");
    }
    return store.record(write, outcome).map(outcome);
  }

  private void count(String outcome) {
    counters.computeIfAbsent(outcome, o -> Counter.builder("gateway.writeback.outcomes")
            .description("Outcomes of writes back to Didomi")
            .tag("integration", integration.id())
            .tag("outcome", o)
            .register(registry))
        .increment();
  }
}
