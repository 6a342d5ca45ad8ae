package io.consentgateway.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster from Debian's {@code postgresql} package, for the tests: {@code
 * initdb} into a fresh directory, {@code pg_ctl start} on a free loopback port, trust
 * authentication, {@code pg_ctl stop} on {@link #close()} and the directory deleted. PostgreSQL
 * refuses to run as root, so as root it runs as the {@code postgres} user ({@code runuser}), in a
 * directory that user can traverse. fsync stays on: the durability checks read it. A machine
 * without the package fails the test that asks for one — {@code .ci/run} installs it; no test skips.
 */
public final class PostgresServer implements AutoCloseable {

  private final Path bin;
  private final Path root;
  private final Path data;
  private final int port;
  private final boolean asPostgresUser;

  private PostgresServer(Path bin, Path root, int port, boolean asPostgresUser) {
    this.bin = bin;
    this.root = root;
    this.data = root.resolve("data");
    this.port = port;
    this.asPostgresUser = asPostgresUser;
  }

  /** Initialises and starts a cluster; fails with what {@code initdb} or {@code pg_ctl} said. */
  public static PostgresServer start() {
    Path bin = binaries();
    boolean root = "root".equals(System.getProperty("user.name"));
    try {
      // under /tmp, world-traversable: root's own temp folders are 0700 and postgres could not reach in
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "consent-gateway-pg-");
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      PostgresServer server = new PostgresServer(bin, dir, freePort(), root);
      if (root) {
        run(List.of("chown", "postgres:postgres", dir.toString()), false);
      }
      server.pg(List.of(bin.resolve("initdb").toString(), "-D", server.data.toString(), "-A", "trust", "-U", "postgres",
          "--no-sync", "-E", "UTF8", "--locale=C"));
      server.pg(List.of(bin.resolve("pg_ctl").toString(), "-D", server.data.toString(), "-w", "-t", "60",
          "-l", dir.resolve("server.log").toString(), "-o",
          "-p " + server.port + " -c listen_addresses=127.0.0.1 -k " + dir + " -c max_connections=200", "start"));
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start PostgreSQL: " + e.getMessage(), e);
    }
  }

  public int port() {
    return port;
  }

  /** {@code postgresql://127.0.0.1:PORT/postgres}, the form {@code store.url} takes. */
  public String url() {
    return "postgresql://127.0.0.1:" + port + "/postgres";
  }

  public String user() {
    return "postgres";
  }

  /** Stops the cluster (fast: open connections are closed) and deletes its files. */
  @Override
  public void close() {
    try {
      pg(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop"));
    } finally {
      try (Stream<Path> files = Files.walk(root)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      } catch (IOException ignored) {
        // a temporary folder: the machine's cleanup takes it
      }
    }
  }

  private void pg(List<String> command) {
    List<String> full = new ArrayList<>();
    if (asPostgresUser) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    run(full, true);
  }

  private static void run(List<String> command, boolean quiet) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed:\n" + new String(output));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command.get(0), e);
    }
  }

  // /usr/lib/postgresql/<version>/bin, the newest version installed
  private static Path binaries() {
    Path base = Path.of("/usr/lib/postgresql");
    try (Stream<Path> versions = Files.list(base)) {
      return versions.map(version -> version.resolve("bin"))
          .filter(bin -> Files.isExecutable(bin.resolve("initdb")))
          .max(Comparator.comparing(bin -> Integer.parseInt(bin.getParent().getFileName().toString().replaceAll("\\D", "0"))))
          .orElseThrow(() -> new IllegalStateException("no PostgreSQL under " + base
              + ": install Debian's postgresql package (.ci/run does)"));
    } catch (IOException e) {
      throw new IllegalStateException("no PostgreSQL under " + base
          + ": install Debian's postgresql package (.ci/run does)", e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
