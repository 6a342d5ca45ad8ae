package io.consentgateway.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for an asynchronous outcome, polling; fails with {@code what} when it never comes. */
public final class Eventually {

  private Eventually() {}

  /** As {@link #await(Duration, String, BooleanSupplier)}, adding {@code state} to the failure. */
  public static void await(Duration timeout, String what, BooleanSupplier condition, java.util.function.Supplier<String> state) {
    try {
      await(timeout, what, condition);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; state: " + state.get(), e);
    }
  }

  /** Ten seconds for {@code condition}, for the sandboxes' own tests. */
  public static void waitUntil(BooleanSupplier condition) {
    await(Duration.ofSeconds(10), "condition", condition);
  }

  public static void await(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      try {
        Thread.sleep(10); // the test thread, never an event loop
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
  }
}
