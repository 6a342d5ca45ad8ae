package io.consentgateway.sandbox;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The command line of a sandbox run on its own: {@code --flag value} pairs, read in order, and the
 * run itself (start on a new Vert.x, print where it listens, serve until killed).
 */
public final class SandboxCommandLine {

  private final String[] args;
  private int index = -2;

  public SandboxCommandLine(String[] args) {
    this.args = args.clone();
  }

  /**
   * Moves to the next pair; false after the last.
   *
   * @throws IllegalArgumentException when the last flag has no value
   */
  public boolean next() {
    index += 2;
    if (index >= args.length) {
      return false;
    }
    if (index + 1 >= args.length) {
      throw new IllegalArgumentException("missing value for " + args[index]);
    }
    return true;
  }

  public String flag() {
    return args[index];
  }

  public String value() {
    return args[index + 1];
  }

  /** What to throw for the current flag when the sandbox has no such flag. */
  public IllegalArgumentException unknownFlag() {
    return new IllegalArgumentException("unknown flag " + flag());
  }

  /**
   * Runs a sandbox from its command line: options that {@code parse} refuses (an {@link
   * IllegalArgumentException}) are reported on stderr, prefixed with {@code name}, with the
   * {@code flags} it knows, and the process exits 2; otherwise the sandbox starts, {@code ready}
   * says so on stdout, and it serves until the process is killed.
   */
  public static <O, S> void run(String name, String flags, String[] args, Function<String[], O> parse,
      BiFunction<Vertx, O, Future<S>> start, BiFunction<S, O, String> ready) {
    O options;
    try {
      options = parse.apply(args);
    } catch (IllegalArgumentException e) {
      System.err.println(name + ": " + e.getMessage());
      System.err.println("flags: " + flags);
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    S sandbox = start.apply(vertx, options).await();
    System.out.println(ready.apply(sandbox, options));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await()));
  }
}
