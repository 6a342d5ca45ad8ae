package io.consentgateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real packaged jar, started as a separate process so that it can be killed for real. */
public final class GatewayProcess implements AutoCloseable {

  private final Process process;
  private final Path log;
  private final TestConfig config;

  private GatewayProcess(Process process, Path log, TestConfig config) {
    this.process = process;
    this.log = log;
    this.config = config;
  }

  public static GatewayProcess start(TestConfig config, Path workDir, Map<String, String> extraEnv) {
    String jar = System.getProperty("gateway.jar");
    if (jar == null || !Files.exists(Path.of(jar))) {
      throw new IllegalStateException("the packaged jar is needed (system property gateway.jar): " + jar);
    }
    Path configFile = config.write(workDir.resolve("gateway.yaml"));
    Path log = workDir.resolve("gateway-" + System.nanoTime() + ".log");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-jar", jar, "--config", configFile.toString()));
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().putAll(TestConfig.environment());
    builder.environment().putAll(extraEnv);
    try {
      GatewayProcess started = new GatewayProcess(builder.start(), log, config);
      started.awaitReady(Duration.ofSeconds(60));
      return started;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitReady(Duration timeout) {
    GatewayHttp admin = new GatewayHttp(config.adminPort());
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("gateway exited with " + process.exitValue() + ":\n" + log());
      }
      try {
        // a request caught by the server's start may get no answer at all: ask again, not forever
        HttpResponse<String> ready = admin.get("/health/ready", Duration.ofSeconds(2));
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (UncheckedIOException notYet) {
        // not listening yet
      }
      sleep(100);
    }
    throw new IllegalStateException("gateway not ready in " + timeout + ":\n" + log());
  }

  /** SIGKILL: no shutdown hook, no flush, no goodbye. */
  public void kill9() {
    process.destroyForcibly();
    waitFor();
  }

  /** SIGTERM, then the exit code. */
  public int terminate() {
    process.destroy();
    return waitFor();
  }

  public int waitFor() {
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("gateway did not exit:\n" + log());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      waitFor();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
