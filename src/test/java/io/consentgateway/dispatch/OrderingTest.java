package io.consentgateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.sandbox.FaultRule;
import io.consentgateway.sandbox.actito.RecordedCall;
import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.Eventually;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.TestConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 3 under load: changes for 1 000 users delivered shuffled, with duplicates, to a slow
 * Actito. Actito must end with the newest value of every user, and must never have been sent an
 * older value after a newer one.
 */
class OrderingTest {

  private static final int USERS = 1000;
  private static final int CHANGES_PER_USER = 4;

  @TempDir Path dir;

  private record Change(String user, int seq, boolean newsletter) {}

  @Test
  void shuffledDuplicatedChangesEndAtTheNewestAndNeverGoBackwards() {
    Random random = new Random(20261127);
    List<Change> changes = new ArrayList<>();
    Map<String, Change> newest = new HashMap<>();
    for (int u = 0; u < USERS; u++) {
      String user = "order-" + u + "@example.com";
      List<Integer> seqs = new ArrayList<>();
      while (seqs.size() < CHANGES_PER_USER) {
        int seq = random.nextInt(86_000);
        if (!seqs.contains(seq)) {
          seqs.add(seq);
        }
      }
      for (int seq : seqs) {
        Change change = new Change(user, seq, random.nextBoolean());
        changes.add(change);
        if (random.nextInt(10) == 0) {
          changes.add(change); // Didomi delivers some webhooks twice
        }
        newest.merge(user, change, (a, b) -> a.seq() > b.seq() ? a : b);
      }
    }
    Collections.shuffle(changes, random);

    try (ActitoSandboxServer actito = new ActitoSandboxServer()) {
      actito.sandbox().addFault(FaultRule.latency(5).onPathsContaining("/profile"));
      Gateway gateway = Gateway.start(new TestConfig(dir).actito(actito.baseUrl(), true).load());
      try {
        GatewayHttp http = new GatewayHttp(gateway.ingestPort());
        String token = http.token();
        Semaphore window = new Semaphore(32);
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (Change change : changes) {
          window.acquireUninterruptibly();
          sent.add(http.postDidomiAsync("acme", token, DidomiPayloads.eventWithSeq(change.user(), change.seq(), change.newsletter()))
              .whenComplete((r, e) -> window.release()));
        }
        sent.forEach(f -> assertThat(f.join().statusCode()).isBetween(200, 299));

        GatewayHttp admin = new GatewayHttp(gateway.adminPort());
        Eventually.await(Duration.ofSeconds(120), "every change delivered", () -> {
          JsonObject status = new JsonObject(admin.get("/admin/integrations/acme/status").body());
          return status.getLong("backlog") == 0 && status.getInteger("inFlight") == 0;
        });

        Map<String, List<JsonObject>> bodiesByUser = new HashMap<>();
        for (RecordedCall call : actito.sandbox().calls()) {
          if (call.method().equals("POST") && call.path().contains("/profile") && call.status() / 100 == 2) {
            JsonObject body = new JsonObject(call.requestBody());
            bodiesByUser.computeIfAbsent(attribute(body, "customerId"), k -> new ArrayList<>()).add(body);
          }
        }
        Map<String, Map<Integer, Boolean>> newsletterBySeq = new HashMap<>();
        changes.forEach(c -> newsletterBySeq.computeIfAbsent(c.user(), k -> new HashMap<>()).put(c.seq(), c.newsletter()));

        for (Change expected : newest.values()) {
          String user = expected.user();
          assertThat(actito.subscriptions(user)).as(user).hasValue(Map.of("Newsletter", expected.newsletter()));
          assertThat(actito.attributes(user).orElseThrow()).as(user).containsEntry("seq", Integer.toString(expected.seq()));
          int previous = -1;
          for (JsonObject body : bodiesByUser.get(user)) {
            int seq = Integer.parseInt(attribute(body, "seq"));
            assertThat(seq).as("%s: a newer change was sent before an older one", user).isGreaterThan(previous);
            Boolean newsletter = subscription(body, "Newsletter");
            if (newsletter != null) {
              assertThat(newsletter).as("%s: the newsletter value sent with change %d", user, seq)
                  .isEqualTo(newsletterBySeq.get(user).get(seq));
            }
            previous = seq;
          }
        }
        assertThat(actito.sandbox().rejectedForConcurrency()).as("never a 6th concurrent call").isZero();
      } finally {
        gateway.stop();
      }
    }
  }

  private static String attribute(JsonObject body, String name) {
    JsonArray attributes = body.getJsonArray("attributes");
    for (int i = 0; i < attributes.size(); i++) {
      if (attributes.getJsonObject(i).getString("name").equals(name)) {
        return String.valueOf(attributes.getJsonObject(i).getValue("value"));
      }
    }
    throw new AssertionError("no attribute " + name + " in " + body);
  }

  private static Boolean subscription(JsonObject body, String name) {
    JsonArray subscriptions = body.getJsonArray("subscriptions", new JsonArray());
    for (int i = 0; i < subscriptions.size(); i++) {
      if (subscriptions.getJsonObject(i).getString("name").equals(name)) {
        return subscriptions.getJsonObject(i).getBoolean("subscribe");
      }
    }
    return null;
  }
}
