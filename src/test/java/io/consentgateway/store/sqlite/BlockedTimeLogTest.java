package io.consentgateway.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.store.BlockedTimeLog;
import io.consentgateway.store.BlockedTimeLog.Span;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blocked spans and the heartbeat on the real SQLite file, across "restarts" (the store closed
 * and opened again), with explicit times: a gateway that was down for an hour finds that hour
 * recorded as downtime, and a block its previous run left open ended at its last heartbeat.
 */
class BlockedTimeLogTest {

  private static final long T0 = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
  private static final String LICENCE = "Actito https://api3.actito.com 1a2b3c4d";

  @TempDir Path dir;
  private SqliteConsentStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close().await();
    }
  }

  private SqliteConsentStore open() {
    if (store != null) {
      store.close().await();
    }
    store = SqliteConsentStore.open(dir.resolve("gateway.db"), 100, 10, new SimpleMeterRegistry());
    return store;
  }

  @Test
  void aFirstStartRecordsNoDowntime() {
    assertThat(open().resumeBlockedTime(T0, 0).await()).isEmpty();
  }

  @Test
  void theGapAfterTheLastHeartbeatIsDowntimeAndABlockLeftOpenEndedAtThatHeartbeat() {
    open().resumeBlockedTime(T0, 0).await();
    long blockId = store.blockStarted(LICENCE, "breaker_open", T0 + 6_000).await();
    store.alive(T0 + 10_000).await();
    // the process dies here: the block is never ended, nothing more is written

    List<Span> spans = open().resumeBlockedTime(T0 + Duration.ofHours(1).toMillis(), 0).await();

    assertThat(spans).containsExactly(
        new Span(blockId, LICENCE, "breaker_open", T0 + 6_000, T0 + 10_000),
        new Span(spans.get(1).id(), BlockedTimeLog.GATEWAY, "not_running", T0 + 10_000,
            T0 + Duration.ofHours(1).toMillis()));
  }

  @Test
  void aBlockThatEndedKeepsItsEndAndOldSpansArePruned() {
    open().resumeBlockedTime(T0, 0).await();
    long old = store.blockStarted(LICENCE, "key_refused", T0 + 1_000).await();
    store.blockEnded(old, T0 + 2_000).await();
    long recent = store.blockStarted(LICENCE, "rate_limited", T0 + 50_000).await();
    store.blockEnded(recent, T0 + 52_000).await();
    store.alive(T0 + 60_000).await();

    List<Span> spans = open().resumeBlockedTime(T0 + 60_000, T0 + 10_000).await();

    assertThat(spans).containsExactly(new Span(recent, LICENCE, "rate_limited", T0 + 50_000, T0 + 52_000));
    assertThat(store.pruneBlockedTime(T0 + 60_000).await()).isEqualTo(1);
    assertThat(open().resumeBlockedTime(T0 + 60_000, 0).await()).isEmpty();
  }
}
