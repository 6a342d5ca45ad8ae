package io.consentgateway.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counters of webhooks by integration, source and outcome ({@code accepted}, {@code duplicate},
 * {@code skipped}, {@code rejected} with a reason, {@code unavailable}), and of the public port's
 * connections the gateway closed, by reason. Integration ids that are not configured are counted
 * as {@code unknown}, so a caller cannot inflate the tag space.
 */
public final class IngestMetrics {

  private final MeterRegistry registry;
  private final Set<String> integrations;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  public IngestMetrics(MeterRegistry registry, Set<String> integrations) {
    this.registry = registry;
    this.integrations = Set.copyOf(integrations);
  }

  /** A connection closed by the gateway: one of {@link io.consentgateway.http.ConnectionGuard}'s reasons. */
  public void connectionClosed(String reason) {
    counters.computeIfAbsent("connection|" + reason, key ->
        Counter.builder("gateway.connections.closed")
            .description("Public-port connections the gateway closed: timeouts, the connection cap")
            .tag("reason", reason)
            .register(registry))
        .increment();
  }

  public void count(String integration, String source, String outcome, String reason) {
    String tagIntegration = integration != null && integrations.contains(integration) ? integration : "unknown";
    String tagReason = reason == null ? "none" : reason;
    // on the ingest hot path: look the counter up once per tag combination, not per webhook
    counters.computeIfAbsent(tagIntegration + '|' + source + '|' + outcome + '|' + tagReason, key ->
        Counter.builder("gateway.webhooks")
            .description("Webhooks received, by outcome")
            .tag("integration", tagIntegration)
            .tag("source", source)
            .tag("outcome", outcome)
            .tag("reason", tagReason)
            .register(registry))
        .increment();
  }
}
