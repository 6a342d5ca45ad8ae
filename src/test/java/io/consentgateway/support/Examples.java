package io.consentgateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The project's sample payloads under {@code examples/} ({@code didomi/*.json}, {@code actito/*.json}),
 * the one place every test reads them from. Surefire and failsafe pass the folder as {@code
 * examples.dir}; run from the checkout root, {@code examples} is found without it.
 */
public final class Examples {

  private Examples() {}

  public static Path dir() {
    Path dir = Path.of(System.getProperty("examples.dir", "examples"));
    if (!Files.isDirectory(dir.resolve("didomi"))) {
      throw new IllegalStateException("examples not found at " + dir.toAbsolutePath() + " (set -Dexamples.dir)");
    }
    return dir;
  }

  /** Every Didomi example, sorted by name. */
  public static List<Path> didomiFiles() {
    try (Stream<Path> files = Files.list(dir().resolve("didomi"))) {
      return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file names of {@link #didomiFiles()}. */
  public static List<String> didomiNames() {
    return didomiFiles().stream().map(p -> p.getFileName().toString()).toList();
  }

  /** The bytes of {@code examples/didomi/<name>}. */
  public static byte[] didomi(String name) {
    return bytes("didomi/" + name);
  }

  /** The bytes of {@code examples/actito/<name>}. */
  public static byte[] actito(String name) {
    return bytes("actito/" + name);
  }

  /** The text of {@code examples/<relative>}. */
  public static String read(String relative) {
    return new String(bytes(relative), StandardCharsets.UTF_8);
  }

  public static byte[] utf8(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String relative) {
    try {
      return Files.readAllBytes(dir().resolve(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
