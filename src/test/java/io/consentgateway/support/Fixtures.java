package io.consentgateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The shared sample payloads, read from {@code ../shared/fixtures} (the {@code fixtures.dir} property). */
public final class Fixtures {

  private Fixtures() {}

  public static Path dir() {
    String configured = System.getProperty("fixtures.dir");
    Path dir = configured != null ? Path.of(configured) : Path.of("..", "shared", "fixtures");
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException("fixtures not found at " + dir.toAbsolutePath());
    }
    return dir;
  }

  public static List<Path> didomi() {
    try (Stream<Path> files = Files.list(dir().resolve("didomi"))) {
      return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String read(String relative) {
    try {
      return Files.readString(dir().resolve(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
