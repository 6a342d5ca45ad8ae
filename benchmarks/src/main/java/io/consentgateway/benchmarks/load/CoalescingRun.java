package io.consentgateway.benchmarks.load;

import io.consentgateway.app.Gateway;
import io.consentgateway.config.ConfigLoader;
import io.consentgateway.sandbox.actito.ActitoSandbox;
import io.consentgateway.sandbox.actito.SandboxOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Actito calls per Didomi change when people change several times in a row, at Actito's real
 * limits (5 concurrent, 100 calls a minute) against the Actito sandbox: {@code PEOPLE} people send
 * {@code CHANGES} changes each as fast as ingest takes them; the baseline, in the same run, is one
 * change each. Profile calls only (tokens and the table structure aside), V5 upsert.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.consentgateway.benchmarks.load.CoalescingRun [PEOPLE] [CHANGES]}
 */
public final class CoalescingRun {

  public static void main(String[] args) throws Exception {
    int people = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int changes = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    Vertx vertx = Vertx.vertx();
    double baseline = run(vertx, people, 1);
    double coalesced = run(vertx, people, changes);
    System.out.printf("profile calls per Didomi change: 1 change a person %.3f; %d changes a person %.3f; ratio %.1fx fewer%n",
        baseline, changes, coalesced, baseline / coalesced);
    vertx.close().await();
    System.exit(0);
  }

  private static double run(Vertx vertx, int people, int changes) throws Exception {
    ActitoSandbox actito = ActitoSandbox.start(vertx, new SandboxOptions().setEntity("acme").setTable("Customers")
        .setUniqueKey("customerId").setSubscriptions(List.of("Newsletter")).setMaxRecordedCalls(1_000_000)).await();
    Path dir = Files.createTempDirectory("coalescing-run");
    String yaml = """
        server: { host: 127.0.0.1, port: 0 }
        admin: { host: 127.0.0.1, port: 0 }
        store: { type: sqlite, path: "%s" }
        auth:
          signingKey: "coalescing-run-signing-key-0123456789abcdef"
          clients: [ { clientId: didomi, clientSecret: run-secret } ]
        integrations:
          - id: acme
            didomi: { organizationId: acme-org }
            actito: { baseUrl: "%s", apiKey: sandbox-api-key, entity: acme, table: Customers, userUniqueKey: customerId, upsertMode: true, apiVersion: v5 }
            mappings:
              - { subscription: Newsletter, purpose: newsletter }
            metadataAttributes: none
        """.formatted(dir.resolve("gateway.db"), actito.baseUrl());
    Gateway gateway = Gateway.start(new ConfigLoader(System::getenv).parse(yaml));
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + gateway.ingestPort();
    String token = new JsonObject(http.send(HttpRequest.newBuilder(URI.create(base + "/oauth/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&client_id=didomi&client_secret=run-secret"))
        .build(), HttpResponse.BodyHandlers.ofString()).body()).getString("access_token");
    int sent = 0;
    for (int c = 0; c < changes; c++) {
      for (int p = 0; p < people; p++) {
        String user = "person-" + p + "@example.com";
        String at = Instant.parse("2026-11-20T00:00:00Z").plusSeconds(c).toString();
        String body = """
            {"type":"event.created","parameters":{"entity":{"id":"evt-%d-%d","organization_id":"acme-org",
            "created_at":"%s","status":"confirmed","regulation":"gdpr",
            "user":{"id":"u-%d","organization_user_id":"%s"},
            "consents":{"purposes":[{"id":"newsletter","enabled":%s}]}}}}""".formatted(p, c, at, p, user, c % 2 == 0);
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(base + "/webhooks/didomi/acme"))
            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() / 100 != 2) {
          throw new IllegalStateException("ingest answered " + answer.statusCode() + ": " + answer.body());
        }
        sent++;
      }
    }
    String admin = "http://127.0.0.1:" + gateway.adminPort() + "/admin/integrations/acme/status";
    long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
    while (System.nanoTime() < deadline) {
      JsonObject status = new JsonObject(http.send(HttpRequest.newBuilder(URI.create(admin)).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      if (status.getLong("backlog") == 0 && status.getInteger("inFlight") == 0) {
        break;
      }
      Thread.sleep(500);
    }
    long calls = actito.calls().stream().filter(call -> call.path().startsWith("/profiles/")).count();
    boolean expected = actito.profiles().size() == people;
    gateway.stop();
    actito.stop().await();
    System.out.printf("%d people x %d changes = %d changes: %d profile calls (%s)%n", people, changes, sent, calls,
        expected ? "every person in Actito" : "NOT every person in Actito");
    return (double) calls / sent;
  }

  private CoalescingRun() {}
}
