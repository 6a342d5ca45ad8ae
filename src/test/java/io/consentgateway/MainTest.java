package io.consentgateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
  void missingFileExitsWith2() throws Exception {
    assertThat(run("--config", dir.resolve("absent.yaml").toString()).code).isEqualTo(2);
  }

  @Test
  void unknownArgumentExitsWith2() throws Exception {
    assertThat(run("--frobnicate").code).isEqualTo(2);
  }

  private record Run(int code, String stderr) {}

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
