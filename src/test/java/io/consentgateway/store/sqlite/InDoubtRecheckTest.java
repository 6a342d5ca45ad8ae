package io.consentgateway.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.mapping.FieldChanges;
import io.consentgateway.store.ClaimedUser;
import io.consentgateway.store.DispatchOutcome;
import io.consentgateway.store.InboundWebhook;
import io.consentgateway.store.UserRecord;
import io.consentgateway.store.WebhookSource;
import io.consentgateway.support.TestClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write whose fate is unknown — it timed out, or the process died with it in flight — may still
 * be applied by Actito, late, on top of a newer one. The store then sends the user's whole state
 * once more, a while after the write in doubt, once the newer one was delivered. The wait is no
 * backlog: the user is not pending meanwhile.
 */
class InDoubtRecheckTest {

  private static final String ANN = "ann@example.com";

  @TempDir Path dir;
  private SqliteConsentStore store;
  private final TestClock clock = new TestClock(Instant.ofEpochMilli(1_000_000));

  @AfterEach
  void close() {
    if (store != null) {
      store.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  @Test
  void aTimedOutWriteGetsTheWholeStateSentAgainOnceTheNextOneIsDelivered() {
    store = open(10_000);
    ingest("d1", 999_000, true);
    ClaimedUser first = claimOne();
    join(store.record(first, new DispatchOutcome.Retry(clock.millis() + 50, true, null, "timed out",
        DispatchOutcome.Progress.NONE, clock.millis() + 10_000)));
    UserRecord inDoubt = join(store.user("acme", ANN, 10)).orElseThrow();
    assertThat(inDoubt.history().get(0).detail()).contains("in doubt");

    clock.advance(Duration.ofMillis(100));
    ingest("d2", 999_500, false); // she withdraws meanwhile
    ClaimedUser second = claimOne();
    join(store.record(second, DispatchOutcome.Delivered.all(7L, Set.of("Newsletter"), Set.of())));
    UserRecord delivered = join(store.user("acme", ANN, 10)).orElseThrow();
    assertThat(delivered.acknowledged().subscription("Newsletter")).isFalse();
    assertThat(delivered.dirtySinceMillis()).as("delivered: nothing pending").isNull();
    assertThat(join(store.claimDue("acme", 10, 30_000, Set.of()))).as("not due before the recheck").isEmpty();

    clock.advance(Duration.ofMillis(10_000));
    ClaimedUser recheck = claimOne();
    assertThat(recheck.acknowledged().isEmpty()).as("the re-send sends every field").isTrue();
    assertThat(recheck.desired().subscription("Newsletter")).isFalse();
    join(store.record(recheck, DispatchOutcome.Delivered.all(7L, Set.of("Newsletter"), Set.of())));
    clock.advance(Duration.ofMillis(60_000));
    assertThat(join(store.claimDue("acme", 10, 30_000, Set.of()))).as("re-sent once, done").isEmpty();
  }

  @Test
  void aWriteLeftInFlightByACrashIsSentAgainAfterTheRestartAndCountsAsARecentWrite() {
    store = open(10_000);
    ingest("d1", 999_000, true);
    claimOne(); // in flight when the process dies
    store.close().toCompletionStage().toCompletableFuture().join();

    try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("gateway.db"));
        var rs = connection.createStatement().executeQuery("SELECT recent_writes FROM user_state")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).as("nothing acknowledged yet").isNull();
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
    store = open(10_000);
    try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("gateway.db"));
        var rs = connection.createStatement().executeQuery("SELECT recent_writes FROM user_state")) {
      assertThat(rs.next()).isTrue();
      assertThat(RecentWritesCodec.decode(rs.getString(1)).wroteWithin("Newsletter", true, clock.millis(), 60_000))
          .as("what the crashed run was sending: its callback is a late echo to check, not a change").isTrue();
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
    ClaimedUser again = claimOne();
    assertThat(again.acknowledged().isEmpty()).isTrue();
    join(store.record(again, DispatchOutcome.Delivered.all(7L, Set.of("Newsletter"), Set.of())));
    assertThat(join(store.claimDue("acme", 10, 30_000, Set.of()))).as("not due before the recheck").isEmpty();
    clock.advance(Duration.ofMillis(10_000)); // the write of the previous run may still have landed: a re-send follows
    ClaimedUser recheck = claimOne();
    assertThat(recheck.acknowledged().isEmpty()).isTrue();
    join(store.record(recheck, DispatchOutcome.Delivered.all(7L, Set.of("Newsletter"), Set.of())));
    clock.advance(Duration.ofMillis(60_000));
    assertThat(join(store.claimDue("acme", 10, 30_000, Set.of()))).isEmpty();
  }

  @Test
  void aReSendThatFailsIsRetriedWithItsBackoffUntilDelivered() {
    store = open(10_000);
    ingest("d1", 999_000, true);
    ClaimedUser first = claimOne();
    join(store.record(first, new DispatchOutcome.Retry(clock.millis() + 50, true, null, "timed out",
        DispatchOutcome.Progress.NONE, clock.millis() + 10_000)));
    clock.advance(Duration.ofMillis(100));
    join(store.record(claimOne(), DispatchOutcome.Delivered.all(7L, Set.of("Newsletter"), Set.of())));
    clock.advance(Duration.ofMillis(10_000));
    ClaimedUser recheck = claimOne();
    assertThat(recheck.dirtySinceMillis()).as("its age counts from the re-send").isGreaterThan(0);
    join(store.record(recheck, new DispatchOutcome.Retry(clock.millis() + 5_000, true, null, "503", DispatchOutcome.Progress.NONE)));
    assertThat(join(store.claimDue("acme", 10, 30_000, Set.of()))).as("its backoff holds it").isEmpty();
    clock.advance(Duration.ofMillis(5_000));
    ClaimedUser again = claimOne();
    assertThat(again.acknowledged().isEmpty()).as("still the whole state").isTrue();
    join(store.record(again, DispatchOutcome.Delivered.all(7L, Set.of("Newsletter"), Set.of())));
    clock.advance(Duration.ofMillis(60_000));
    assertThat(join(store.claimDue("acme", 10, 30_000, Set.of()))).isEmpty();
  }

  @Test
  void noRecheckWhenTurnedOff() {
    store = open(0);
    ingest("d1", 999_000, true);
    claimOne();
    store.close().toCompletionStage().toCompletableFuture().join();

    store = open(0);
    ClaimedUser again = claimOne();
    join(store.record(again, DispatchOutcome.Delivered.all(7L, Set.of("Newsletter"), Set.of())));
    clock.advance(Duration.ofMillis(3_600_000));
    assertThat(join(store.claimDue("acme", 10, 30_000, Set.of()))).isEmpty();
  }

  private SqliteConsentStore open(long recheckMillis) {
    return SqliteConsentStore.open(dir.resolve("gateway.db"), 100, 10, new SimpleMeterRegistry(), clock, recheckMillis);
  }

  private void ingest(String key, long at, boolean subscribe) {
    FieldChanges changes = FieldChanges.ofSubscriptions(ANN, at, Map.of("Newsletter", subscribe));
    join(store.ingest(new InboundWebhook("acme", WebhookSource.DIDOMI, key, ANN, "event.created", at,
        "{}".getBytes(StandardCharsets.UTF_8), changes, false)));
  }

  private ClaimedUser claimOne() {
    List<ClaimedUser> claimed = join(store.claimDue("acme", 10, 30_000, Set.of()));
    assertThat(claimed).hasSize(1);
    return claimed.get(0);
  }

  private static <T> T join(io.vertx.core.Future<T> future) {
    return future.toCompletionStage().toCompletableFuture().join();
  }
}
