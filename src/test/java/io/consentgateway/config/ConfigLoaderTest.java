package io.consentgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgateway.support.TestConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {

  private static final String MINIMAL = """
      server: { host: 127.0.0.1 }
      auth:
        signingKey: "${SIGNING_KEY:-}"
        clients: [ { clientId: didomi, clientSecret: "${CLIENT_SECRET}" } ]
      integrations:
        - id: acme
          didomi: { organizationId: acme-org }
          actito: { baseUrl: "${ACTITO_URL:-sandbox}", apiKey: "${ACTITO_KEY:-}", entity: acme, table: Customers, userUniqueKey: customerId }
          mappings:
            - { subscription: Newsletter, purpose: newsletter }
      """;

  private static GatewayConfig parse(String yaml, Map<String, String> env) {
    return new ConfigLoader(env::get).parse(yaml);
  }

  @Test
  void defaultsFollowTheDesignContract() {
    GatewayConfig config = parse(MINIMAL, Map.of("CLIENT_SECRET", "s"));

    assertThat(config.server().port()).isEqualTo(8080);
    assertThat(config.server().instances()).isZero();
    assertThat(config.server().maxBodyBytes()).isEqualTo(1_048_576);
    assertThat(config.admin().host()).isEqualTo("127.0.0.1");
    assertThat(config.admin().port()).isEqualTo(9090);
    assertThat(config.store().path()).isEqualTo("data/gateway.db");
    IntegrationConfig acme = config.integration("acme").orElseThrow();
    assertThat(acme.didomi().regulation()).isEqualTo("gdpr");
    assertThat(acme.actito().upsertMode()).isFalse();
    assertThat(acme.actito().maxConcurrency()).isEqualTo(5);
    assertThat(acme.actito().callsPerMinute()).isEqualTo(100);
    assertThat(acme.actito().usesSandbox()).isTrue();
    assertThat(acme.metadataAttributes()).isEqualTo(MetadataAttributes.ALL);
  }

  @Test
  void actitoSpeaksV5UnlessV4IsNamed() {
    assertThat(parse(MINIMAL, Map.of("CLIENT_SECRET", "s")).integrations().get(0).actito().apiVersion())
        .isEqualTo(ActitoConfig.ApiVersion.V5);
    assertThat(parse(MINIMAL.replace("entity: acme,", "apiVersion: v4, entity: acme,"), Map.of("CLIENT_SECRET", "s"))
        .integrations().get(0).actito().apiVersion()).isEqualTo(ActitoConfig.ApiVersion.V4);
    assertThatThrownBy(() -> parse(MINIMAL.replace("entity: acme,", "apiVersion: v6, entity: acme,"),
        Map.of("CLIENT_SECRET", "s")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("integrations[0].actito.apiVersion")
        .hasMessageContaining("v5 or v4");
  }

  @Test
  void theBulkLaneIsOffUnlessEnabledWithAnEtlAndUpdateOnlyNeedsAnUpdateOnlyEtl() {
    Map<String, String> env = Map.of("CLIENT_SECRET", "s");
    assertThat(parse(MINIMAL, env).integrations().get(0).actito().bulk().enabled()).isFalse();
    String on = MINIMAL.replace("userUniqueKey: customerId }",
        "userUniqueKey: customerId, bulk: { enabled: true, etlId: \"42\", minBacklog: 100 } }");
    var bulk = parse(on, env).integrations().get(0).actito().bulk();
    assertThat(bulk.enabled()).isTrue();
    assertThat(bulk.etlId()).isEqualTo("42");
    assertThat(bulk.minBacklog()).isEqualTo(100);
    assertThat(bulk.maxExecutionsPerDay()).isEqualTo(24);
    assertThat(bulk.filePart()).isEqualTo("inputFile");
    assertThat(bulk.etlMode()).as("update-only by default").isEqualTo(BulkConfig.EtlMode.UPDATE_ONLY);
    assertThatThrownBy(() -> parse(on.replace("minBacklog: 100", "minBacklog: 100, etlMode: CREATE_UPDATE"), env))
        .isInstanceOf(ConfigException.class).hasMessageContaining("integrations[0].actito.bulk.etlMode")
        .hasMessageContaining("UPDATE_ONLY");
    assertThat(parse(on.replace("minBacklog: 100", "minBacklog: 100, etlMode: CREATE_UPDATE")
        .replace("userUniqueKey: customerId,", "userUniqueKey: customerId, upsertMode: true,"), env)
        .integrations().get(0).actito().bulk().etlMode()).isEqualTo(BulkConfig.EtlMode.CREATE_UPDATE);
    assertThatThrownBy(() -> parse(on.replace("etlId: \"42\", ", ""), env))
        .isInstanceOf(ConfigException.class).hasMessageContaining("integrations[0].actito.bulk.etlId");
    assertThatThrownBy(() -> parse(on.replace("minBacklog: 100", "maxExecutionsPerDay: 25"), env))
        .isInstanceOf(ConfigException.class).hasMessageContaining("maxExecutionsPerDay");
    assertThatThrownBy(() -> parse(on.replace("minBacklog: 100", "minBacklog: 100, maxRowsPerExecution: 10"), env))
        .isInstanceOf(ConfigException.class).hasMessageContaining("integrations[0].actito.bulk.minBacklog")
        .hasMessageContaining("maxRowsPerExecution");
    assertThatThrownBy(() -> parse(on.replace("minBacklog: 100", "maxFileBytes: 104857601"), env))
        .isInstanceOf(ConfigException.class).hasMessageContaining("maxFileBytes");
  }

  @Test
  void aWriteInDoubtIsReSentAfterAMinuteUnlessConfigured() {
    assertThat(parse(MINIMAL, Map.of("CLIENT_SECRET", "s")).integrations().get(0).dispatch().inDoubtRecheckMs())
        .isEqualTo(60_000);
    String off = MINIMAL.replace("    mappings:", "    dispatch: { inDoubtRecheckMs: 0 }\n    mappings:");
    assertThat(parse(off, Map.of("CLIENT_SECRET", "s")).integrations().get(0).dispatch().inDoubtRecheckMs()).isZero();
    assertThatThrownBy(() -> parse(off.replace("inDoubtRecheckMs: 0", "inDoubtRecheckMs: 3600001"),
        Map.of("CLIENT_SECRET", "s")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("inDoubtRecheckMs");
  }

  @Test
  void aDidomiStampMayNotRunAheadOfArrivalUnlessConfigured() {
    GatewayConfig defaults = parse(MINIMAL, Map.of("CLIENT_SECRET", "s"));
    assertThat(defaults.integrations().get(0).didomi().maxClockAheadMillis()).isZero();

    GatewayConfig raised = parse(MINIMAL.replace("didomi: { organizationId: acme-org",
        "didomi: { maxClockAheadMs: 60000, organizationId: acme-org"), Map.of("CLIENT_SECRET", "s"));
    assertThat(raised.integrations().get(0).didomi().maxClockAheadMillis()).isEqualTo(60_000);

    assertThatThrownBy(() -> parse(MINIMAL.replace("didomi: { organizationId: acme-org",
        "didomi: { maxClockAheadMs: -1, organizationId: acme-org"), Map.of("CLIENT_SECRET", "s")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("maxClockAheadMs");
  }

  @Test
  void aKeyGivenTwiceIsRefusedNotWonByTheLastOne() {
    String twice = MINIMAL.replace("server: { host: 127.0.0.1 }", "server: { host: 127.0.0.1 }\nserver: { host: 0.0.0.0 }");
    assertThatThrownBy(() -> parse(twice, Map.of("CLIENT_SECRET", "s")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("server");
  }

  @Test
  void plainHttpCarriesTheApiKeyOnlyToThisMachine() {
    assertThatThrownBy(() -> parse(MINIMAL, Map.of("CLIENT_SECRET", "s", "ACTITO_URL", "http://api.actito.com",
        "ACTITO_KEY", "k3y")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("actito.baseUrl").hasMessageContaining("https://");
    assertThat(parse(MINIMAL, Map.of("CLIENT_SECRET", "s", "ACTITO_URL", "http://127.0.0.1:8089", "ACTITO_KEY", "k3y"))
        .integrations().get(0).actito().baseUrl()).isEqualTo("http://127.0.0.1:8089");
    assertThat(parse(MINIMAL, Map.of("CLIENT_SECRET", "s", "ACTITO_URL", "http://[::1]:8089/", "ACTITO_KEY", "k3y"))
        .integrations().get(0).actito().baseUrl()).isEqualTo("http://[::1]:8089");
    // what the attack tried: a host hidden behind a query or fragment, forms only some resolvers read
    // as an address, credentials in the URL (never echoed)
    for (String hidden : List.of("http://192.0.2.2:18777?@localhost", "http://evil.example.com#@localhost",
        "http://127.1:8089", "http://2130706433:8089", "http://user:s3cretpw@127.0.0.1:8089",
        "https://user:s3cretpw@api3.actito.com")) {
      assertThatThrownBy(() -> parse(MINIMAL, Map.of("CLIENT_SECRET", "s", "ACTITO_URL", hidden, "ACTITO_KEY", "k3y")))
          .as(hidden).isInstanceOf(ConfigException.class).hasMessageContaining("actito.baseUrl")
          .hasMessageNotContaining("s3cretpw");
    }
  }

  @Test
  void variablesAndDefaultsComeFromTheEnvironment() {
    GatewayConfig config = parse(MINIMAL, Map.of(
        "CLIENT_SECRET", "from-env", "ACTITO_URL", "https://api3.actito.com/", "ACTITO_KEY", "k3y"));

    assertThat(config.auth().clients().get(0).clientSecret().reveal()).isEqualTo("from-env");
    IntegrationConfig acme = config.integrations().get(0);
    assertThat(acme.actito().baseUrl()).isEqualTo("https://api3.actito.com");
    assertThat(acme.actito().apiKey().reveal()).isEqualTo("k3y");
  }

  @Test
  void missingRequiredVariableNamesTheKeyAndTheCause() {
    assertThatThrownBy(() -> parse(MINIMAL, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.clients[0].clientSecret")
        .hasMessageContaining("environment variable");
  }

  @Test
  void realActitoNeedsAnApiKey() {
    assertThatThrownBy(() -> parse(MINIMAL, Map.of("CLIENT_SECRET", "s", "ACTITO_URL", "https://api.actito.com")))
        .hasMessageStartingWith("integrations[0].actito.apiKey");
  }

  @Test
  void unknownKeyIsRefusedByName() {
    assertThatThrownBy(() -> parse(MINIMAL.replace("didomi: { organizationId", "didomi: { organisationId"), Map.of("CLIENT_SECRET", "s")))
        .hasMessageStartingWith("integrations[0].didomi.organisationId");
  }

  @Test
  void outOfRangeNumberNamesTheKey() {
    String yaml = MINIMAL.replace("server: { host: 127.0.0.1 }", "server: { host: 127.0.0.1, port: 70000 }");
    assertThatThrownBy(() -> parse(yaml, Map.of("CLIENT_SECRET", "s"))).hasMessageStartingWith("server.port");
  }

  @Test
  void shortSigningKeyIsRefusedWithoutEchoingIt() {
    assertThatThrownBy(() -> parse(MINIMAL, Map.of("CLIENT_SECRET", "s", "SIGNING_KEY", "tooshort-secret")))
        .hasMessageStartingWith("auth.signingKey")
        .message().doesNotContain("tooshort-secret");
  }

  @Test
  void duplicateIntegrationIdIsRefused() {
    String yaml = MINIMAL + """
          - id: acme
            didomi: { organizationId: other }
            actito: { entity: e, table: t, userUniqueKey: k }
        """;
    assertThatThrownBy(() -> parse(yaml, Map.of("CLIENT_SECRET", "s"))).hasMessageStartingWith("integrations[1].id");
  }

  @Test
  void allowedIpsMustBeAddressLiterals() {
    String yaml = MINIMAL.replace("auth:\n", "auth:\n  allowedIps: [35.159.1.63, didomi.example.com]\n");
    assertThatThrownBy(() -> parse(yaml, Map.of("CLIENT_SECRET", "s"))).hasMessageStartingWith("auth.allowedIps[1]");
  }

  @Test
  void secretsNeverPrintInStringForms() {
    GatewayConfig config = parse(MINIMAL, Map.of("CLIENT_SECRET", "hunter2-client", "ACTITO_KEY", "hunter2-actito"));

    assertThat(config.toString()).doesNotContain("hunter2");
  }

  @Test
  void theShippedExampleIsValid() {
    GatewayConfig config = new ConfigLoader(Map.<String, String>of()::get).load(Path.of("conf/gateway.yaml"));

    assertThat(config.integrations()).extracting(IntegrationConfig::id).containsExactly("acme");
  }

  @Test
  void testConfigurationIsValid() {
    assertThat(new TestConfig(Path.of("target")).load().integrations()).hasSize(1);
  }

  // --- off loopback: no dev default, no empty signing key, no short secret, an admin token -------

  /** A file whose every listener and secret is given by the caller; secrets from the environment. */
  private static String exposed(String serverHost, String adminHost, String clientSecret) {
    return """
        server: { host: "%s" }
        admin: { host: "%s", token: "${ADMIN_TOKEN:-}" }
        auth:
          signingKey: "${SIGNING_KEY:-}"
          clients: [ { clientId: didomi, clientSecret: "%s" } ]
        integrations:
          - id: acme
            didomi: { organizationId: acme-org }
            actito: { baseUrl: sandbox, entity: acme, table: Customers, userUniqueKey: customerId }
        """.formatted(serverHost, adminHost, clientSecret);
  }

  private static Map<String, String> productionEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("SIGNING_KEY", TestConfig.SIGNING_KEY);
    env.put("CLIENT_SECRET", "a-production-client-secret");
    env.put("ADMIN_TOKEN", "a-production-admin-token");
    return env;
  }

  @Test
  void devDefaultsAreAcceptedWhileEveryListenerIsLoopback() {
    GatewayConfig config = parse(exposed("127.0.0.1", "127.0.0.1", "${CLIENT_SECRET:-my-dev-secret}"), Map.of());

    assertThat(config.auth().clients().get(0).clientSecret().reveal()).isEqualTo("my-dev-secret");
    assertThat(config.auth().signingKey().isEmpty()).isTrue();
  }

  @Test
  void devDefaultSecretIsRefusedWhenTheServerIsNotLoopback() {
    Map<String, String> env = productionEnv();
    env.remove("CLIENT_SECRET");

    assertThatThrownBy(() -> parse(exposed("0.0.0.0", "127.0.0.1", "${CLIENT_SECRET:-my-dev-secret-of-20-chars}"), env))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("auth.clients[0].clientSecret")
        .hasMessageContaining("CLIENT_SECRET")
        .message().doesNotContain("my-dev-secret-of-20-chars");
  }

  @Test
  void devDefaultSecretIsRefusedWhenTheAdminPortIsNotLoopback() {
    Map<String, String> env = productionEnv();
    env.remove("CLIENT_SECRET");

    assertThatThrownBy(() -> parse(exposed("127.0.0.1", "0.0.0.0", "${CLIENT_SECRET:-my-dev-secret-of-20-chars}"), env))
        .hasMessageStartingWith("auth.clients[0].clientSecret");
  }

  @Test
  void theDevSecretTheProjectShipsIsRefusedOffLoopbackEvenFromTheEnvironment() {
    Map<String, String> env = productionEnv();
    env.put("CLIENT_SECRET", "didomi-dev-secret");

    assertThatThrownBy(() -> parse(exposed("0.0.0.0", "127.0.0.1", "${CLIENT_SECRET}"), env))
        .hasMessageStartingWith("auth.clients[0].clientSecret")
        .message().doesNotContain("didomi-dev-secret");
  }

  @Test
  void emptySigningKeyIsRefusedOffLoopback() {
    Map<String, String> env = productionEnv();
    env.remove("SIGNING_KEY");

    assertThatThrownBy(() -> parse(exposed("0.0.0.0", "127.0.0.1", "${CLIENT_SECRET}"), env))
        .hasMessageStartingWith("auth.signingKey");
  }

  @Test
  void shortClientSecretIsRefusedOffLoopbackWithoutEchoingIt() {
    Map<String, String> env = productionEnv();
    env.put("CLIENT_SECRET", "short-secret");

    assertThatThrownBy(() -> parse(exposed("0.0.0.0", "127.0.0.1", "${CLIENT_SECRET}"), env))
        .hasMessageStartingWith("auth.clients[0].clientSecret")
        .hasMessageContaining("16")
        .message().doesNotContain("short-secret");
  }

  @Test
  void adminTokenIsRequiredWhenTheAdminPortIsNotLoopback() {
    Map<String, String> env = productionEnv();
    env.remove("ADMIN_TOKEN");

    assertThatThrownBy(() -> parse(exposed("127.0.0.1", "0.0.0.0", "${CLIENT_SECRET}"), env))
        .hasMessageStartingWith("admin.token");
  }

  @Test
  void adminTokenIsNotRequiredWhileTheAdminPortIsLoopback() {
    Map<String, String> env = productionEnv();
    env.remove("ADMIN_TOKEN");

    assertThat(parse(exposed("0.0.0.0", "127.0.0.1", "${CLIENT_SECRET}"), env).admin().token().isEmpty()).isTrue();
  }

  @Test
  void secretsFromTheEnvironmentAreAcceptedOffLoopback() {
    GatewayConfig config = parse(exposed("0.0.0.0", "0.0.0.0", "${CLIENT_SECRET}"), productionEnv());

    assertThat(config.server().host()).isEqualTo("0.0.0.0");
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.10.0.3", "::1", "[::1]", "localhost", "LOCALHOST"})
  void loopbackAddressesAllowDevDefaults(String host) {
    assertThat(parse(exposed(host, host, "${CLIENT_SECRET:-my-dev-secret}"), Map.of()).server().host()).isEqualTo(host);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "::", "10.1.2.3", "192.168.0.10", "gateway.example.com", "localhost.example.com"})
  void otherAddressesRefuseDevDefaults(String host) {
    assertThatThrownBy(() -> parse(exposed(host, "127.0.0.1", "${CLIENT_SECRET:-my-dev-secret}"), Map.of()))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void theShippedExampleRefusesToListenPubliclyUntilItsSecretsAreSet() {
    Path shipped = Path.of("conf/gateway.yaml");
    Map<String, String> env = new HashMap<>();
    env.put("GATEWAY_HOST", "0.0.0.0");

    assertThatThrownBy(() -> new ConfigLoader(env::get).load(shipped)).hasMessageStartingWith("auth.signingKey");
    env.put("GATEWAY_SIGNING_KEY", TestConfig.SIGNING_KEY);
    assertThatThrownBy(() -> new ConfigLoader(env::get).load(shipped))
        .hasMessageStartingWith("auth.clients[0].clientSecret")
        .message().doesNotContain("didomi-dev-secret");
    env.put("DIDOMI_CLIENT_SECRET", "a-production-client-secret");
    assertThat(new ConfigLoader(env::get).load(shipped).server().host()).isEqualTo("0.0.0.0");
  }

  // --- client scopes and the public listener's limits -------------------------------------------

  @Test
  void aClientMayPostToEveryIntegrationUnlessItNamesSome() {
    GatewayConfig open = parse(MINIMAL, Map.of("CLIENT_SECRET", "s"));
    GatewayConfig scoped = parse(MINIMAL.replace("clientSecret: \"${CLIENT_SECRET}\" }", "clientSecret: \"${CLIENT_SECRET}\", integrations: [acme] }"),
        Map.of("CLIENT_SECRET", "s"));

    assertThat(open.auth().clients().get(0).mayPostTo("acme")).isTrue();
    assertThat(open.auth().clients().get(0).mayPostTo("globex")).isTrue();
    assertThat(scoped.auth().clients().get(0).mayPostTo("acme")).isTrue();
    assertThat(scoped.auth().clients().get(0).mayPostTo("globex")).isFalse();
  }

  @Test
  void aClientNamingAnUnknownIntegrationIsRefusedByName() {
    String yaml = MINIMAL.replace("clientSecret: \"${CLIENT_SECRET}\" }", "clientSecret: \"${CLIENT_SECRET}\", integrations: [acme, globex] }");

    assertThatThrownBy(() -> parse(yaml, Map.of("CLIENT_SECRET", "s")))
        .hasMessageStartingWith("auth.clients[0].integrations[1]")
        .hasMessageContaining("globex");
  }

  @Test
  void aClientNamingNoIntegrationIsRefused() {
    String yaml = MINIMAL.replace("clientSecret: \"${CLIENT_SECRET}\" }", "clientSecret: \"${CLIENT_SECRET}\", integrations: [] }");

    assertThatThrownBy(() -> parse(yaml, Map.of("CLIENT_SECRET", "s"))).hasMessageStartingWith("auth.clients[0].integrations");
  }

  @Test
  void thePublicListenerHasTimeoutsAConnectionCapAndNoH2cByDefault() {
    GatewayConfig config = parse(MINIMAL, Map.of("CLIENT_SECRET", "s"));

    assertThat(config.server().idleTimeoutSeconds()).isEqualTo(30);
    assertThat(config.server().headerTimeoutSeconds()).isEqualTo(10);
    assertThat(config.server().bodyTimeoutSeconds()).isEqualTo(30);
    assertThat(config.server().maxConnections()).isEqualTo(1024);
    assertThat(config.server().h2c()).isFalse();
    assertThat(config.auth().maxFailuresPerMinute()).isEqualTo(10);
  }

  @Test
  void aZeroTimeoutIsRefusedByName() {
    String yaml = MINIMAL.replace("server: { host: 127.0.0.1 }", "server: { host: 127.0.0.1, headerTimeoutSeconds: 0 }");

    assertThatThrownBy(() -> parse(yaml, Map.of("CLIENT_SECRET", "s"))).hasMessageStartingWith("server.headerTimeoutSeconds");
  }
}
