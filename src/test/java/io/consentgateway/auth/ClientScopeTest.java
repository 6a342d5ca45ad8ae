package io.consentgateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.app.Gateway;
import io.consentgateway.sandbox.didomi.DidomiSandbox;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.StoreFile;
import io.consentgateway.support.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code auth.clients[].integrations}: a token opens only the webhooks of its client's integrations. */
class ClientScopeTest {

  private static final String GLOBEX_CLIENT = "globex-client";
  private static final String GLOBEX_SECRET = "globex-client-secret-0123";
  private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");

  @TempDir static Path dir;
  static Gateway gateway;
  static GatewayHttp http;
  static StoreFile store;

  @BeforeAll
  static void start() {
    TestConfig config = new TestConfig(dir)
        .clients("""
            [ { clientId: %s, clientSecret: %s, integrations: [globex] },
              { clientId: %s, clientSecret: "${CLIENT_SECRET}", integrations: [acme] } ]""".formatted(GLOBEX_CLIENT, GLOBEX_SECRET, TestConfig.CLIENT_ID))
        .integrationExtras("""
            bidirectional:
              enabled: true
              webhookSecret: actito-hook-secret-scope-0123
              didomiApi: { baseUrl: "sandbox:0" }
            """)
        .moreIntegrations("""
            - id: globex
              didomi: { organizationId: globex-org }
              actito: { baseUrl: "sandbox:0", entity: globex, table: Customers, userUniqueKey: customerId }
              mappings:
                - { subscription: Newsletter, purpose: newsletter }
            """);
    gateway = Gateway.start(config.load());
    http = new GatewayHttp(gateway.ingestPort());
    store = new StoreFile(config.storePath());
  }

  @AfterAll
  static void stop() {
    gateway.stop();
  }

  @Test
  void aTokenOpensTheWebhookOfItsClientsIntegration() {
    assertThat(http.postDidomi("acme", token(TestConfig.CLIENT_ID, TestConfig.CLIENT_SECRET), event("acme-org")).statusCode())
        .isEqualTo(202);
    assertThat(http.postDidomi("globex", token(GLOBEX_CLIENT, GLOBEX_SECRET), event("globex-org")).statusCode())
        .isEqualTo(202);
  }

  @Test
  void aTokenIsRefusedWith403OnAnotherIntegrationsWebhookAndNothingIsStored() {
    long before = store.inboxRows();

    HttpResponse<String> acmeOnGlobex = http.postDidomi("globex", token(TestConfig.CLIENT_ID, TestConfig.CLIENT_SECRET), event("globex-org"));
    HttpResponse<String> globexOnAcme = http.postDidomi("acme", token(GLOBEX_CLIENT, GLOBEX_SECRET), event("acme-org"));

    for (HttpResponse<String> refused : List.of(acmeOnGlobex, globexOnAcme)) {
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).contains("application/json"));
      assertThat(refused.body()).contains("\"error\":\"forbidden\"").contains("\"detail\"");
    }
    assertThat(store.inboxRows()).isEqualTo(before);
  }

  @Test
  void aTokenOfAClientNoLongerConfiguredIsRefusedWith401() {
    Vertx vertx = Vertx.vertx();
    try {
      // signed with the gateway's own key, for a client id the configuration does not have
      long now = System.currentTimeMillis() / 1000;
      String removed = JWTAuth.create(vertx, new JWTAuthOptions()
              .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(TestConfig.SIGNING_KEY)))
          .generateToken(new JsonObject().put("sub", "removed-client").put("iss", AccessTokens.ISSUER)
              .put("aud", AccessTokens.AUDIENCE).put("iat", now).put("exp", now + 600), new JWTOptions().setAlgorithm("HS256"));

      assertThat(http.postDidomi("acme", removed, event("acme-org")).statusCode()).isEqualTo(401);
    } finally {
      vertx.close();
    }
  }

  @Test
  void theBundledDidomiSandboxPostsWithAClientOfItsIntegration() {
    // the first client is globex's: acme's sandbox must take the second
    assertThat(gateway.sandbox("acme", DidomiSandbox.class).webhookTarget().clientId()).isEqualTo(TestConfig.CLIENT_ID);
  }

  private static String token(String clientId, String secret) {
    HttpResponse<String> response = http.requestToken(clientId, secret);
    Matcher matcher = ACCESS_TOKEN.matcher(response.body());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(matcher.find()).isTrue();
    return matcher.group(1);
  }

  private static String event(String organizationId) {
    return DidomiPayloads.eventCreated(UUID.randomUUID().toString(), "scope-" + UUID.randomUUID() + "@example.com",
        "2026-11-20T09:00:00Z", true).replace("\"acme-org\"", "\"" + organizationId + "\"");
  }
}
