package io.consentgateway.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.mapping.FieldChanges;
import io.consentgateway.store.ClaimedUser;
import io.consentgateway.store.DispatchOutcome;
import io.consentgateway.store.InboundWebhook;
import io.consentgateway.store.IngestOutcome;
import io.consentgateway.store.UserRecord;
import io.consentgateway.store.WebhookSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lease is the store's fencing token: once it expired and another claim took the user, the
 * first claim's outcome — a slow call answering late — records nothing, and the second claim's
 * does. The store reads time from an injected clock, so the lease runs out without sleeping.
 */
class LeaseFencingTest {

  private static final String ANN = "ann@example.com";

  /** A clock that moves only when told to. */
  private static final class SteppedClock extends Clock {
    private volatile long millis;

    SteppedClock(long millis) {
      this.millis = millis;
    }

    void advance(long by) {
      millis += by;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  @TempDir Path dir;
  private SqliteConsentStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  @Test
  void anOutcomeUnderAnExpiredLeaseTakenByAnotherClaimRecordsNothing() {
    SteppedClock clock = new SteppedClock(1_000_000);
    store = SqliteConsentStore.open(dir.resolve("gateway.db"), 100, 10, new SimpleMeterRegistry(), clock);
    FieldChanges unsubscribe = FieldChanges.ofSubscriptions(ANN, 999_000, Map.of("Newsletter", false));
    InboundWebhook webhook = new InboundWebhook("acme", WebhookSource.DIDOMI, "d1", ANN, "event.created", 999_000,
        "{}".getBytes(StandardCharsets.UTF_8), unsubscribe, false);
    assertThat(join(store.ingest(webhook))).isEqualTo(IngestOutcome.ACCEPTED);

    List<ClaimedUser> first = join(store.claimDue("acme", 10, 30_000, Set.of()));
    assertThat(first).hasSize(1);
    assertThat(join(store.claimDue("acme", 10, 30_000, Set.of()))).as("leased: no other claim takes it").isEmpty();

    clock.advance(30_001); // the first call hangs past its lease
    List<ClaimedUser> second = join(store.claimDue("acme", 10, 30_000, Set.of()));
    assertThat(second).as("the lease expired: another claim takes the user").hasSize(1);
    assertThat(second.get(0).lease()).isNotEqualTo(first.get(0).lease());

    // the first, stale claim answers late: it must not settle what the second claim holds
    join(store.record(first.get(0), DispatchOutcome.Delivered.all(42L, Set.of("Newsletter"), Set.of())));
    UserRecord afterStale = join(store.user("acme", ANN, 10)).orElseThrow();
    assertThat(afterStale.pendingChanges()).as("the stale outcome recorded nothing").isEqualTo(1);
    assertThat(afterStale.acknowledged().subscription("Newsletter")).isNull();

    join(store.record(second.get(0), DispatchOutcome.Delivered.all(42L, Set.of("Newsletter"), Set.of())));
    UserRecord settled = join(store.user("acme", ANN, 10)).orElseThrow();
    assertThat(settled.pendingChanges()).isZero();
    assertThat(settled.acknowledged().subscription("Newsletter")).isFalse();
  }

  private static <T> T join(io.vertx.core.Future<T> future) {
    return future.toCompletionStage().toCompletableFuture().join();
  }
}
