package io.consentgateway.benchmarks;

import io.consentgateway.config.ConfigLoader;
import io.consentgateway.config.GatewayConfig;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Start-up cost of reading a configuration; a smoke benchmark that keeps the module honest. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class ConfigParseBenchmark {

  private String yaml;
  private ConfigLoader loader;

  @Setup
  public void setUp() {
    loader = new ConfigLoader(Map.of("SECRET", "s3cr3t")::get);
    yaml = """
        server: { host: 127.0.0.1 }
        auth:
          clients: [ { clientId: didomi, clientSecret: "${SECRET}" } ]
        integrations:
          - id: acme
            didomi: { organizationId: acme-org }
            actito: { baseUrl: sandbox, entity: acme, table: Customers, userUniqueKey: customerId }
            mappings:
              - { subscription: Newsletter, purpose: newsletter }
        """;
  }

  @Benchmark
  public GatewayConfig parseConfiguration() {
    return loader.parse(yaml);
  }
}
