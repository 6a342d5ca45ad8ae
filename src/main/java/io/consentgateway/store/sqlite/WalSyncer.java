package io.consentgateway.store.sqlite;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes committed transactions durable off the writer thread: the writer commits with {@code
 * synchronous=NORMAL} (the WAL frames reach the OS, which survives {@code kill -9}) and goes on
 * with the next batch at once, while this thread fsyncs the WAL file and only then lets each batch
 * be acknowledged. One fsync covers every batch committed before it began, so the fsync of batch N
 * overlaps the SQL of batch N+1: durable group commit without the writer waiting on the disk.
 */
final class WalSyncer {

  private static final Logger log = LoggerFactory.getLogger(WalSyncer.class);

  /** A committed batch waiting to be made durable: told {@code null} once it is, or the failure. */
  private record Pending(Consumer<Throwable> onDurable) {}

  private static final Pending STOP = new Pending(error -> {});

  private final Path wal;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final Timer fsyncTimer;
  private final Runnable onFatal;
  private FileChannel channel;
  private Throwable failed;

  /** @param onFatal run once when an fsync fails: the store must stop taking writes */
  WalSyncer(Path database, MeterRegistry registry, Runnable onFatal) {
    this.onFatal = onFatal;
    this.wal = Path.of(database.toAbsolutePath() + "-wal");
    this.fsyncTimer = Timer.builder("gateway.store.fsync")
        .description("Time to fsync the WAL for the batches committed since the last fsync")
        .publishPercentileHistogram()
        .register(registry);
    this.thread = new Thread(this::loop, "consent-store-fsync");
  }

  void start() {
    thread.start();
  }

  /** Called by the writer right after a commit; {@code onDurable} runs on this syncer's thread. */
  void afterCommit(Consumer<Throwable> onDurable) {
    queue.add(new Pending(onDurable));
  }

  /** Syncs what is queued, then stops; blocking, for the writer's shutdown. */
  void close() {
    queue.add(STOP);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop() {
    List<Pending> batches = new ArrayList<>();
    boolean stopping = false;
    while (!stopping) {
      try {
        batches.add(queue.take());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopping = true;
      }
      queue.drainTo(batches);
      stopping |= batches.remove(STOP);
      if (batches.isEmpty()) {
        continue;
      }
      Throwable failure = failed != null ? failed : sync();
      if (failure != null && failed == null) {
        // After a failed fsync the kernel may have dropped the dirty pages and report the next fsync
        // as a success: nothing committed from now on can be called durable. Fail closed; a restart
        // recovers from what is really on disk.
        failed = failure;
        onFatal.run();
      }
      for (Pending pending : batches) {
        try {
          pending.onDurable().accept(failure);
        } catch (RuntimeException e) {
          log.error("completing a durable batch failed", e); // never let one callback stop the syncer
        }
      }
      batches.clear();
    }
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  private Throwable sync() {
    long started = System.nanoTime();
    try {
      if (channel == null) {
        // the WAL exists once a transaction committed: every batch here did
        channel = FileChannel.open(wal, StandardOpenOption.WRITE);
      }
      // fdatasync flushes the file's data whichever descriptor wrote it
      channel.force(false);
      fsyncTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      return null;
    } catch (IOException | RuntimeException e) {
      log.error("fsync of the store's WAL failed; the store stops taking writes: {}", e.getMessage());
      return e;
    }
  }
}
