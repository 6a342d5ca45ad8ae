package io.consentgateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's exit codes: 2 and one line naming the key for an invalid configuration. */
class MainTest {

  @TempDir Path dir;

  @Test
  void invalidConfigurationExitsWith2AndNamesTheKey() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, """
        auth: { clients: [ { clientId: didomi, clientSecret: "literal-secret-value" } ] }
        integrations:
          - id: acme
            didomi: { organizationId: acme-org }
            actito: { entity: acme, table: Customers, userUniqueKey: customerId, maxConcurrency: 0 }
        """);

    Run run = run("--config", file.toString());

    assertThat(run.code).isEqualTo(2);
    assertThat(run.stderr.strip()).startsWith("invalid configuration: integrations[0].actito.maxConcurrency");
    assertThat(run.stderr.strip().lines()).hasSize(1);
    assertThat(run.stderr).doesNotContain("literal-secret-value");
  }

  @Test
  void devDefaultSecretOffLoopbackExitsWith2NamingTheKeyAndNeverTheSecret() throws Exception {
    // given a dev default (no such variable is set) and a listener on every interface
    Path file = dir.resolve("exposed.yaml");
    Files.writeString(file, """
        server: { host: 0.0.0.0, port: 0 }
        admin: { host: 127.0.0.1, port: 0 }
        auth:
          signingKey: "a-literal-signing-key-of-forty-characters"
          clients: [ { clientId: didomi, clientSecret: "${CONSENT_GATEWAY_TEST_UNSET_VARIABLE:-dev-default-client-secret}" } ]
        integrations:
          - id: acme
            didomi: { organizationId: acme-org }
            actito: { baseUrl: "sandbox:0", entity: acme, table: Customers, userUniqueKey: customerId }
        """);

    Run run = runRefusingToServe("--config", file.toString());

    assertThat(run.code).isEqualTo(2);
    assertThat(run.stderr.strip()).startsWith("invalid configuration: auth.clients[0].clientSecret");
    assertThat(run.stderr.strip().lines()).hasSize(1);
    assertThat(run.stderr).doesNotContain("dev-default-client-secret");
  }

  @Test
  void nonLoopbackAdminWithoutATokenExitsWith2() throws Exception {
    Path file = dir.resolve("open-admin.yaml");
    Files.writeString(file, """
        server: { host: 127.0.0.1, port: 0 }
        admin: { host: 0.0.0.0, port: 0 }
        auth:
          signingKey: "a-literal-signing-key-of-forty-characters"
          clients: [ { clientId: didomi, clientSecret: "a-literal-client-secret" } ]
        integrations:
          - id: acme
            didomi: { organizationId: acme-org }
            actito: { baseUrl: "sandbox:0", entity: acme, table: Customers, userUniqueKey: customerId }
        """);

    Run run = runRefusingToServe("--config", file.toString());

    assertThat(run.code).isEqualTo(2);
    assertThat(run.stderr.strip()).startsWith("invalid configuration: admin.token");
    assertThat(run.stderr.strip().lines()).hasSize(1);
  }

  @Test
  void aLineBreakInAQuotedValueStillPrintsOneLine() throws Exception {
    Path file = dir.resolve("multiline.yaml");
    Files.writeString(file, """
        server: { host: 127.0.0.1, port: "80\\n80" }
        auth: { clients: [ { clientId: didomi, clientSecret: "literal-secret-value" } ] }
        integrations:
          - id: acme
            didomi: { organizationId: acme-org }
            actito: { entity: acme, table: Customers, userUniqueKey: customerId }
        """);

    Run run = runRefusingToServe("--config", file.toString());

    assertThat(run.code).isEqualTo(2);
    assertThat(run.stderr.strip()).startsWith("invalid configuration: server.port");
    assertThat(run.stderr.strip().lines()).hasSize(1);
  }

  @Test
  void missingFileExitsWith2() throws Exception {
    assertThat(run("--config", dir.resolve("absent.yaml").toString()).code).isEqualTo(2);
  }

  @Test
  void unknownArgumentExitsWith2() throws Exception {
    assertThat(run("--frobnicate").code).isEqualTo(2);
  }

  private record Run(int code, String stderr) {}

  /** A configuration that is accepted starts a gateway that never returns: that fails the test instead. */
  private static Run runRefusingToServe(String... args) {
    return assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run(args), "the gateway started instead of refusing");
  }

  private static Run run(String... args) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(args);
      return new Run(code, captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }
}
