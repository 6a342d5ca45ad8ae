package io.consentgateway.dispatch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The dispatcher's meters for one integration. */
final class DispatchMetrics {

  private final MeterRegistry registry;
  private final String integration;
  private final Clock clock;
  private final Timer endToEnd;
  private final DistributionSummary coalesced;
  // counters looked up once per tag value, not built per dispatch
  private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
  private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
  final AtomicLong backlog = new AtomicLong();
  final AtomicLong oldestPendingAgeSeconds = new AtomicLong();
  final AtomicLong inFlight = new AtomicLong();
  final AtomicLong paused = new AtomicLong();

  /** @param clock reads "now" for the end-to-end time of a delivery */
  DispatchMetrics(MeterRegistry registry, String integration, Clock clock) {
    this.registry = registry;
    this.clock = clock;
    this.integration = integration;
    this.endToEnd = Timer.builder("gateway.dispatch.end.to.end")
        .description("Oldest change of a delivery: webhook accepted to Actito acknowledged")
        .tag("integration", integration)
        .publishPercentileHistogram()
        .maximumExpectedValue(Duration.ofHours(1))
        .register(registry);
    this.coalesced = DistributionSummary.builder("gateway.dispatch.coalesced")
        .description("Changes merged into one Actito update")
        .tag("integration", integration)
        .register(registry);
    Gauge.builder("gateway.dispatch.backlog", backlog, AtomicLong::get)
        .description("Users with changes not yet in Actito").tag("integration", integration).register(registry);
    Gauge.builder("gateway.dispatch.oldest.pending.age.seconds", oldestPendingAgeSeconds, AtomicLong::get)
        .description("Age of the oldest change not yet in Actito").tag("integration", integration).register(registry);
    Gauge.builder("gateway.dispatch.inflight", inFlight, AtomicLong::get)
        .description("Users being dispatched now").tag("integration", integration).register(registry);
    Gauge.builder("gateway.dispatch.paused", paused, AtomicLong::get)
        .description("1 while an operator paused calls to Actito").tag("integration", integration).register(registry);
  }

  void delivered(long dirtySinceMillis, int changes) {
    endToEnd.record(Math.max(0, clock.millis() - dirtySinceMillis), java.util.concurrent.TimeUnit.MILLISECONDS);
    coalesced.record(changes);
    outcome("delivered");
  }

  private Counter metadataSkipped;

  /** Metadata keys left out of one dispatch because the Actito table lacks them. */
  void metadataSkipped(int keys) {
    if (metadataSkipped == null) {
      metadataSkipped = Counter.builder("gateway.dispatch.metadata.skipped")
          .description("Metadata keys not sent because the Actito table has no such attribute, per dispatch")
          .tag("integration", integration)
          .register(registry);
    }
    metadataSkipped.increment(keys);
  }

  void outcome(String outcome) {
    outcomes.computeIfAbsent(outcome, o -> Counter.builder("gateway.dispatch.outcomes")
            .description("Dispatch outcomes")
            .tag("integration", integration)
            .tag("outcome", o)
            .register(registry))
        .increment();
  }

  void deadLetter(String reason) {
    deadLetters.computeIfAbsent(reason, r -> Counter.builder("gateway.dispatch.dead.letters")
            .description("Changes that gave up, by reason")
            .tag("integration", integration)
            .tag("reason", r)
            .register(registry))
        .increment();
    outcome("dead_letter");
  }
}
