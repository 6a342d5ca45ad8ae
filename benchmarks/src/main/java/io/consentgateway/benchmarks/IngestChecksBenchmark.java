package io.consentgateway.benchmarks;

import io.consentgateway.webhook.DeliveryDigest;
import io.consentgateway.webhook.StrictUtf8;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What every webhook pays before it is parsed, on a 1 KiB body: the strict UTF-8 check and the
 * delivery key's digest, against baselines of the same run — the JDK's own UTF-8 decoding of the
 * bytes and a bare SHA-256. {@code ascii} is all ASCII (nearly every webhook); {@code mixed} has
 * a two-byte character every 20 bytes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 1)
public class IngestChecksBenchmark {

  @Param({"ascii", "mixed"})
  public String body;

  private byte[] bytes;
  private MessageDigest sha256;

  @Setup(Level.Trial)
  public void setUp() throws NoSuchAlgorithmException {
    bytes = ("{\"type\":\"event.created\",\"pad\":\"" + "x".repeat(990) + "\"}").getBytes(StandardCharsets.UTF_8);
    if (body.equals("mixed")) {
      byte[] e = "é".getBytes(StandardCharsets.UTF_8);
      for (int i = 100; i + 1 < bytes.length - 100; i += 20) {
        bytes[i] = e[0];
        bytes[i + 1] = e[1];
      }
    }
    if (StrictUtf8.firstInvalidByte(bytes) != -1) {
      throw new IllegalStateException("the benchmark body must be valid UTF-8");
    }
    sha256 = MessageDigest.getInstance("SHA-256");
  }

  /** Baseline: decoding the same bytes into a String. */
  @Benchmark
  public String baselineDecode() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Benchmark
  public int strictUtf8() {
    return StrictUtf8.firstInvalidByte(bytes);
  }

  /** Baseline: SHA-256 of the same bytes on one reused instance. */
  @Benchmark
  public byte[] baselineSha256() {
    return sha256.digest(bytes);
  }

  @Benchmark
  public String deliveryDigest() {
    return DeliveryDigest.of(bytes);
  }
}
