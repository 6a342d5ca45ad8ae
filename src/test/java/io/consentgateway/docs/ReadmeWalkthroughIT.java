package io.consentgateway.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walk-through, run verbatim: the gateway started as the README's run command starts
 * it (from the repository root, the default {@code conf/gateway.yaml}, no environment but a store
 * path in a temporary folder), then every shell command between {@code <!-- walkthrough:start -->}
 * and {@code <!-- walkthrough:end -->}, run with bash from the repository root, one after the
 * other, variables carried from one to the next as in one terminal.
 *
 * <p>The README's conventions, which this test reads: a comment line {@code # {...}} (or {@code #
 * [...]}) right after a command is what the command prints; {@code …} stands for any text. A
 * comment line that says {@code a moment later} marks the commands of its paragraph (up to the next
 * blank line) as ones that may need to be repeated for a while before they print what the README
 * shows. Any other comment line is prose.
 *
 * <p>Also checks that every relative link of the project's Markdown files resolves.
 */
class ReadmeWalkthroughIT {

  private static final String START = "<!-- walkthrough:start -->";
  private static final String END = "<!-- walkthrough:end -->";
  private static final String ANY = "…";
  /** The ports conf/gateway.yaml fixes: public, admin, and the bundled Actito sandbox. */
  private static final int[] DEFAULT_PORTS = {8080, 9090, 8089};
  private static final Duration READY_WITHIN = Duration.ofSeconds(90);
  private static final Duration A_MOMENT = Duration.ofSeconds(30);
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern RUN_COMMAND = Pattern.compile("^mvn [^\\n]*&& (java [^\\n#]+?)\\s*$", Pattern.MULTILINE);

  private final Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
  @TempDir Path work;
  private Process gateway;
  private Path gatewayLog;

  /** One command of the walk-through, what the README says it prints, and where it stands. */
  record Step(int line, String command, List<String> expected, boolean aMomentLater) {}

  @AfterEach
  void stopGateway() throws InterruptedException {
    if (gateway != null && gateway.isAlive()) {
      gateway.destroy(); // SIGTERM, as an operator would stop it
      if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
        gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void theReadmeWalkthroughRunsVerbatim() throws Exception {
    String readme = Files.readString(root.resolve("README.md"));
    List<Step> steps = walkthrough(readme);
    assertThat(steps).as("commands between %s and %s in README.md", START, END).hasSizeGreaterThanOrEqualTo(4);
    assertThat(steps.stream().filter(s -> !s.expected().isEmpty()).count())
        .as("commands whose output README.md shows").isGreaterThanOrEqualTo(3);

    String conf = Files.readString(root.resolve("conf/gateway.yaml"));
    assertThat(conf).as("conf/gateway.yaml must take the store path from GATEWAY_STORE_PATH, or this test"
        + " would write into the checkout").contains("${GATEWAY_STORE_PATH");
    boolean checkoutStoreExisted = Files.exists(root.resolve("data/gateway.db"));
    Path store = work.resolve("gateway.db");

    startAsTheReadmeSays(readme, store);

    Path state = work.resolve("shell-state");
    for (int i = 0; i < steps.size(); i++) {
      run(steps.get(i), i, state);
    }

    assertThat(store).as("the store the gateway used (GATEWAY_STORE_PATH)").exists();
    if (!checkoutStoreExisted) {
      assertThat(root.resolve("data/gateway.db")).as("the checkout stays clean").doesNotExist();
    }
  }

  @Test
  void everyRelativeLinkOfTheDocsResolves() throws IOException {
    List<Path> files = new ArrayList<>(List.of(root.resolve("README.md"), root.resolve("ops/README.md"),
        root.resolve("benchmarks/RESULTS.md")));
    try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
    }
    List<String> broken = new ArrayList<>();
    Pattern link = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    for (Path file : files) {
      assertThat(file).exists();
      String text = withoutCode(Files.readString(file));
      Matcher m = link.matcher(text);
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("(?i)[a-z][a-z0-9+.-]*:.*")) {
          continue; // https:, mailto: — not ours to check
        }
        String where = root.relativize(file) + " → " + target;
        int hash = target.indexOf('#');
        String pathPart = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = pathPart.isEmpty() ? file : file.getParent().resolve(pathPart).normalize();
        if (!resolved.startsWith(root)) {
          broken.add(where + " (outside the repository)");
        } else if (!Files.exists(resolved)) {
          broken.add(where + " (no such file)");
        } else if (anchor != null && resolved.toString().endsWith(".md")
            && !anchors(Files.readString(resolved)).contains(anchor)) {
          broken.add(where + " (no such heading)");
        }
      }
    }
    assertThat(broken).as("relative links that do not resolve").isEmpty();
  }

  // ---- the walk-through ----

  /** The steps of the README's walk-through, in order. */
  static List<Step> walkthrough(String readme) {
    int start = readme.indexOf(START);
    int end = readme.indexOf(END);
    if (start < 0 || end < start) {
      fail("README.md must hold the walk-through between " + START + " and " + END);
    }
    int firstLine = (int) readme.substring(0, start).lines().count() + 1;
    List<String> lines = readme.substring(start, end).lines().toList();
    List<Step> steps = new ArrayList<>();
    boolean inShell = false;
    boolean aMomentLater = false;
    StringBuilder command = null;
    int commandLine = 0;
    Step current = null;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      String trimmed = line.trim();
      if (trimmed.startsWith("```")) {
        inShell = !inShell && trimmed.matches("```(bash|sh|shell)\\s*");
        current = add(steps, current);
        aMomentLater = false;
        continue;
      }
      if (!inShell) {
        continue;
      }
      if (command != null) { // a continued command line
        command.append('\n').append(line);
        if (!line.endsWith("\\")) {
          current = new Step(commandLine, command.toString(), new ArrayList<>(), aMomentLater);
          command = null;
        }
        continue;
      }
      if (trimmed.isEmpty()) {
        current = add(steps, current);
        aMomentLater = false;
      } else if (trimmed.startsWith("#")) {
        String text = trimmed.replaceFirst("^#\\s?", "");
        if (current != null && (text.startsWith("{") || text.startsWith("["))) {
          current.expected().add(text);
        } else {
          current = add(steps, current);
          aMomentLater |= text.toLowerCase(Locale.ROOT).contains("a moment later");
        }
      } else {
        current = add(steps, current);
        commandLine = firstLine + i;
        if (line.endsWith("\\")) {
          command = new StringBuilder(line);
        } else {
          current = new Step(commandLine, line, new ArrayList<>(), aMomentLater);
        }
      }
    }
    if (command != null) {
      fail("README.md line " + commandLine + ": the walk-through ends inside a continued command");
    }
    add(steps, current);
    return steps;
  }

  private static Step add(List<Step> steps, Step step) {
    if (step != null) {
      steps.add(step);
    }
    return null;
  }

  /** Starts the jar as the README's run command does, from the repository root, and waits until it is ready. */
  private void startAsTheReadmeSays(String readme, Path store) throws IOException, InterruptedException {
    Matcher run = RUN_COMMAND.matcher(readme);
    if (!run.find()) {
      fail("README.md must hold the build-and-run command: mvn ... && java -jar ...");
    }
    List<String> words = List.of(run.group(1).trim().split("\\s+"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(words.subList(1, words.size()));
    int jar = words.indexOf("-jar");
    if (jar < 0 || jar + 1 >= words.size() || !Files.exists(root.resolve(words.get(jar + 1)))) {
      fail("README.md's run command '" + run.group(1) + "' names a jar the build did not produce");
    }
    for (int port : DEFAULT_PORTS) {
      assertPortFree(port);
    }
    gatewayLog = work.resolve("gateway.log");
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(root.toFile())
        .redirectErrorStream(true)
        .redirectOutput(gatewayLog.toFile());
    builder.environment().clear();
    builder.environment().put("GATEWAY_STORE_PATH", store.toString());
    gateway = builder.start();

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      if (!gateway.isAlive()) {
        fail("the gateway started as README.md says (" + String.join(" ", words) + ") exited with "
            + gateway.exitValue() + ":\n" + gatewayLog());
      }
      try {
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:9090/health/ready"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    fail("the gateway was not ready within " + READY_WITHIN + ":\n" + gatewayLog());
  }

  private static void assertPortFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      // as the gateway binds: connections of an earlier run still in TIME_WAIT do not count
      socket.setReuseAddress(true);
      socket.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } catch (IOException e) {
      fail("port " + port + " is in use: the README walk-through needs the default ports 8080, 9090 and 8089"
          + " of conf/gateway.yaml free on this machine (" + e.getMessage() + ")");
    }
  }

  /** Runs one step as the README shows it, repeating it for a moment when the README says to wait. */
  private void run(Step step, int index, Path state) throws IOException, InterruptedException {
    Path script = work.resolve("step-" + index + ".sh");
    Files.writeString(script, String.join("\n",
        "set -o pipefail",
        "set -a", // what a command assigns (TOKEN=...) is there for the next ones, as in one terminal
        "if [ -f \"$WALKTHROUGH_STATE\" ]; then . \"$WALKTHROUGH_STATE\"; fi",
        step.command(),
        "walkthrough_status=$?",
        "export -p > \"$WALKTHROUGH_STATE\"",
        "exit $walkthrough_status",
        ""));
    String expected = String.join("\n", step.expected());
    long deadline = System.nanoTime() + A_MOMENT.toNanos();
    Result result;
    while (true) {
      result = bash(script, state, index);
      boolean ok = result.status() == 0 && (expected.isEmpty() || matches(expected, result.out().strip()));
      if (ok) {
        return;
      }
      if (!step.aMomentLater() || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(250);
    }
    fail("README.md line " + step.line() + ": the walk-through's command\n" + step.command()
        + "\nexited with " + result.status()
        + (expected.isEmpty() ? "" : "\nexpected (README, … = anything):\n" + expected)
        + "\nprinted:\n" + result.out().strip()
        + (result.err().isBlank() ? "" : "\nstderr:\n" + result.err().strip())
        + (step.aMomentLater() ? "\n(repeated for " + A_MOMENT.toSeconds() + " s)" : "")
        + "\ngateway log (last lines):\n" + tail(gatewayLog(), 40));
  }

  private record Result(int status, String out, String err) {}

  private Result bash(Path script, Path state, int index) throws IOException, InterruptedException {
    Path out = work.resolve("step-" + index + ".out");
    Path err = work.resolve("step-" + index + ".err");
    ProcessBuilder builder = new ProcessBuilder("bash", script.toString())
        .directory(root.toFile())
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    builder.environment().put("WALKTHROUGH_STATE", state.toString());
    Process process = builder.start();
    if (!process.waitFor(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      return new Result(124, Files.readString(out), Files.readString(err) + "\n(timed out after " + STEP_TIMEOUT + ")");
    }
    return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** Whether {@code actual} is {@code expected}, where each {@code …} of {@code expected} stands for any text. */
  static boolean matches(String expected, String actual) {
    String[] parts = expected.split(ANY, -1);
    if (parts.length == 1) {
      return actual.equals(expected);
    }
    if (!actual.startsWith(parts[0])) {
      return false;
    }
    int at = parts[0].length();
    for (int i = 1; i < parts.length - 1; i++) {
      int found = actual.indexOf(parts[i], at);
      if (found < 0) {
        return false;
      }
      at = found + parts[i].length();
    }
    String last = parts[parts.length - 1];
    return actual.endsWith(last) && actual.length() - last.length() >= at;
  }

  private String gatewayLog() {
    try {
      return gatewayLog != null && Files.exists(gatewayLog) ? Files.readString(gatewayLog) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  // ---- links ----

  /** The text outside fenced code blocks, with inline code spans blanked out: where links are. */
  private static String withoutCode(String markdown) {
    return outsideFences(markdown).replaceAll("`[^`\n]*`", "``");
  }

  /** The lines outside fenced code blocks (those inside become empty lines). */
  private static String outsideFences(String markdown) {
    StringBuilder out = new StringBuilder();
    boolean fenced = false;
    for (String line : markdown.lines().toList()) {
      if (line.trim().startsWith("```")) {
        fenced = !fenced;
        out.append('\n');
        continue;
      }
      out.append(fenced ? "" : line).append('\n');
    }
    return out.toString();
  }

  /** The anchors GitHub gives the headings of a Markdown file. */
  static Set<String> anchors(String markdown) {
    Set<String> anchors = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : outsideFences(markdown).lines().toList()) {
      Matcher heading = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$").matcher(line);
      if (!heading.matches()) {
        continue;
      }
      String slug = heading.group(1).toLowerCase(Locale.ROOT)
          .replaceAll("[^\\p{L}\\p{N}\\s_-]", "")
          .replace(' ', '-');
      int n = seen.merge(slug, 1, Integer::sum);
      anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
    }
    return anchors;
  }
}
