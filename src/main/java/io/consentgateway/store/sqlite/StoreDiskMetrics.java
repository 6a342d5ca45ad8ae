package io.consentgateway.store.sqlite;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gauges an operator needs before the store stops taking writes: {@code
 * gateway_store_volume_usable_bytes} and {@code gateway_store_volume_total_bytes} (the volume that
 * holds the store file), {@code gateway_store_file_size_bytes{file="database"|"wal"}} and {@code
 * gateway_store_accepting} (1 while the store takes writes; readiness needs it).
 *
 * <p>Every value is read when the registry is scraped, which happens on the admin port's event loop:
 * {@code statvfs} and {@code stat} are single cheap syscalls on a local volume, acceptable there; a
 * gauge caches nothing, so a scrape always sees the disk as it is.
 */
final class StoreDiskMetrics {

  private static final Logger log = LoggerFactory.getLogger(StoreDiskMetrics.class);

  private StoreDiskMetrics() {}

  static void register(MeterRegistry registry, Path database, BooleanSupplier accepting) {
    Objects.requireNonNull(registry, "registry");
    Path file = database.toAbsolutePath();
    Path wal = Path.of(file + "-wal");
    Gauge.builder("gateway.store.file.size", () -> sizeOf(file))
        .description("Size of the store's files (the SQLite database and its write-ahead log)")
        .baseUnit("bytes").tag("file", "database").register(registry);
    Gauge.builder("gateway.store.file.size", () -> sizeOf(wal))
        .description("Size of the store's files (the SQLite database and its write-ahead log)")
        .baseUnit("bytes").tag("file", "wal").register(registry);
    Gauge.builder("gateway.store.accepting", accepting, a -> a.getAsBoolean() ? 1 : 0)
        .description("1 while the store takes writes; 0 once it closed (stopping, or after a storage error)")
        .strongReference(true).register(registry);
    FileStore volume;
    try {
      volume = Files.getFileStore(file);
    } catch (IOException e) {
      // the store just opened this file, so this is unexpected; the store works without these gauges
      log.warn("no disk space gauges for {}: {}", file, e.getMessage());
      return;
    }
    Gauge.builder("gateway.store.volume.usable", volume, StoreDiskMetrics::usable)
        .description("Bytes this process may still write on the store's volume")
        .baseUnit("bytes").strongReference(true).register(registry);
    Gauge.builder("gateway.store.volume.total", volume, StoreDiskMetrics::total)
        .description("Size of the store's volume")
        .baseUnit("bytes").strongReference(true).register(registry);
  }

  private static double sizeOf(Path path) {
    try {
      return Files.size(path);
    } catch (IOException e) {
      return 0; // the WAL is absent between a clean close and the next write
    }
  }

  private static double usable(FileStore volume) {
    try {
      return volume.getUsableSpace();
    } catch (IOException e) {
      return Double.NaN; // Prometheus shows NaN: the alert's comparison is false, the gap visible
    }
  }

  private static double total(FileStore volume) {
    try {
      return volume.getTotalSpace();
    } catch (IOException e) {
      return Double.NaN;
    }
  }
}
