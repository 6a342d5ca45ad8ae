package io.consentgateway.mapping;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The shared Didomi samples, found through the {@code fixtures.dir} system property surefire sets. */
final class Fixtures {

  private Fixtures() {}

  static Path didomiDir() {
    String dir = System.getProperty("fixtures.dir", "../shared/fixtures");
    Path path = Path.of(dir, "didomi");
    if (!Files.isDirectory(path)) {
      throw new IllegalStateException("no Didomi fixtures at " + path.toAbsolutePath() + " (set -Dfixtures.dir)");
    }
    return path;
  }

  static byte[] didomi(String name) {
    try {
      return Files.readAllBytes(didomiDir().resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<String> allDidomiNames() {
    try (Stream<Path> files = Files.list(didomiDir())) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] utf8(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }
}
