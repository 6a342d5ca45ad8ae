package io.consentgateway.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;

/**
 * Counters of webhooks by integration, source and outcome ({@code accepted}, {@code duplicate},
 * {@code skipped}, {@code rejected} with a reason, {@code unavailable}). Integration ids that are
 * not configured are counted as {@code unknown}, so a caller cannot inflate the tag space.
 */
public final class IngestMetrics {

  private final MeterRegistry registry;
  private final Set<String> integrations;

  public IngestMetrics(MeterRegistry registry, Set<String> integrations) {
    this.registry = registry;
    this.integrations = Set.copyOf(integrations);
  }

  public void count(String integration, String source, String outcome, String reason) {
    String tagIntegration = integration != null && integrations.contains(integration) ? integration : "unknown";
    Counter.builder("gateway.webhooks")
        .description("Webhooks received, by outcome")
        .tag("integration", tagIntegration)
        .tag("source", source)
        .tag("outcome", outcome)
        .tag("reason", reason == null ? "none" : reason)
        .register(registry)
        .increment();
  }
}
