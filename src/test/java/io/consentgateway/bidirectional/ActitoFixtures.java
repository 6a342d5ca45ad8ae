package io.consentgateway.bidirectional;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shared Actito webhook samples, found through the {@code fixtures.dir} system property surefire sets. */
final class ActitoFixtures {

  private ActitoFixtures() {}

  static byte[] actito(String name) {
    Path dir = Path.of(System.getProperty("fixtures.dir", "../shared/fixtures"), "actito");
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException("no Actito fixtures at " + dir.toAbsolutePath() + " (set -Dfixtures.dir)");
    }
    try {
      return Files.readAllBytes(dir.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] utf8(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }
}
