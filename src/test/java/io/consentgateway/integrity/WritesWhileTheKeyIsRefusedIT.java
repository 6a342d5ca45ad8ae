package io.consentgateway.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.StoreFile;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Found by {@link ConsentIntegrityIT} on 4417161 and fixed on main since: up to 595 {@code waiting}
 * lines for one user in a two-minute run, about five a second while Actito refused the key.
 * Reduced to a refused key and five waiting users. Guarantee 12: while Actito refuses the key, the
 * gateway writes nothing per user per retry.
 */
class WritesWhileTheKeyIsRefusedIT {

  private static final int USERS = 5;

  @TempDir Path dir;
  private Loop loop;

  @BeforeEach
  void start() {
    loop = new Loop(dir, 100_000, false);
  }

  @AfterEach
  void stop() {
    loop.close();
  }

  @Test
  void whileActitoRefusesTheKeyTheGatewayWritesNothingPerUserPerRetry() throws InterruptedException {
    String token = loop.http.token();
    loop.http.postDidomi("acme", token, DidomiPayloads.eventWithSeq("first@example.com", 1, true));
    loop.awaitQuiet("first@example.com");

    loop.actito.sandbox().refuseApiKeys(true); // the key is revoked ...
    loop.actito.sandbox().expireTokens(); // ... and the token it gave dies with it
    for (int u = 0; u < USERS; u++) {
      loop.http.postDidomi("acme", token, DidomiPayloads.eventWithSeq("user-" + u + "@example.com", 1, true));
    }
    Eventually.await(Loop.WAIT, "the refusal noticed",
        () -> "AUTH_FAILED".equals(loop.status().getJsonObject("actito").getString("status")));
    Thread.sleep(5_000);

    long lines = new StoreFile(loop.config.storePath()).count(
        "SELECT COUNT(*) FROM dispatch_log WHERE user_key LIKE 'user-%' AND outcome = 'waiting'");
    assertThat(lines).as("'waiting' lines written for %d users in 5 s of refused key; one of them: %s", USERS,
        loop.view("user-0@example.com")).isLessThanOrEqualTo(USERS);
  }
}
