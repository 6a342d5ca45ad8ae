package io.consentgateway.sandbox;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waiting, in tests, for what a sandbox or its client does asynchronously. */
public final class Eventually {

  private Eventually() {}

  /** Polls {@code condition} every 10 ms from the calling (JUnit) thread; fails after 10 s. */
  public static void waitUntil(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      try {
        Thread.sleep(10); // the JUnit thread, never an event loop
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
