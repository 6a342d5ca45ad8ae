package io.consentgateway.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.mapping.FieldChanges;
import io.consentgateway.store.ClaimedUser;
import io.consentgateway.store.DeadLetterEntry;
import io.consentgateway.store.InboundWebhook;
import io.consentgateway.store.WebhookSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One person's stored state that cannot be read (a row damaged by hand, a bug of an older build)
 * must not stop everyone else's dispatch: the claim skips it, and the person becomes a dead letter
 * an operator can see. Before, every claim of the integration failed on it, for good.
 */
class UnreadableStateTest {

  @TempDir Path dir;
  private SqliteConsentStore store;

  @AfterEach
  void close() {
    if (store != null) {
      join(store.close());
    }
  }

  @Test
  void aDamagedRowIsDeadLetteredAndTheOthersAreStillClaimed() throws Exception {
    Path file = dir.resolve("gateway.db");
    store = SqliteConsentStore.open(file, 100, 10, new SimpleMeterRegistry(), Clock.systemUTC());
    long now = System.currentTimeMillis();
    for (String user : List.of("ann@example.com", "bob@example.com")) {
      FieldChanges change = FieldChanges.ofSubscriptions(user, now - 1_000, Map.of("Newsletter", true));
      join(store.ingest(new InboundWebhook("acme", WebhookSource.DIDOMI, "d-" + user, user, "event.created", now - 1_000,
          "{}".getBytes(StandardCharsets.UTF_8), change, false)));
    }
    join(store.close());
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE user_state SET desired = X'00ff' WHERE user_key = 'ann@example.com'");
    }
    store = SqliteConsentStore.open(file, 100, 10, new SimpleMeterRegistry(), Clock.systemUTC());

    List<ClaimedUser> claimed = join(store.claimDue("acme", 10, 30_000, Set.of()));

    assertThat(claimed).extracting(ClaimedUser::userKey).containsExactly("bob@example.com");
    List<DeadLetterEntry> dead = join(store.deadLetters("acme", 0, 10));
    assertThat(dead).singleElement().satisfies(letter -> {
      assertThat(letter.userKey()).isEqualTo("ann@example.com");
      assertThat(letter.reason()).isEqualTo("unreadable_state");
    });
    assertThat(join(store.claimDue("acme", 10, 30_000, Set.of()))).as("never claimed again").isEmpty();
  }

  private static <T> T join(io.vertx.core.Future<T> future) {
    return future.toCompletionStage().toCompletableFuture().join();
  }
}
