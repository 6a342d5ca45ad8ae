package io.consentgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgateway.support.TestConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  private static final String MINIMAL = """
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
    String yaml = "server: { port: 70000 }\n" + MINIMAL;
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
}
