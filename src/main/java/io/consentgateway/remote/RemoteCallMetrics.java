package io.consentgateway.remote;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vertx.circuitbreaker.CircuitBreaker;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The meters of one client of one remote, all named {@code {prefix}.…} and tagged {@code
 * integration}: {@code {prefix}.calls} (counter, tags {@code operation}, {@code outcome}), {@code
 * {prefix}.call.duration} (timer with histogram, tag {@code operation}), {@code
 * {prefix}.token.refreshes} (counter, tag {@code outcome}) and the gauges {@code
 * {prefix}.calls.inflight}, {@code {prefix}.calls.queued}, {@code {prefix}.breaker.state} (0 closed,
 * 1 half-open, 2 open) and {@code {prefix}.auth.failed} (0/1), and for a licence {@code
 * {prefix}.licence.state} (gauge) and {@code {prefix}.licence.probes} (counter, tag {@code outcome}).
 * A licence's meters carry as {@code integration} the ids of the integrations sharing it, joined
 * by commas. Thread-safe.
 */
public final class RemoteCallMetrics {

  private final MeterRegistry registry;
  private final String prefix;
  private final String remoteName;
  private final String integrationId;
  private final Tags tags;
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final List<Meter> gauges = new CopyOnWriteArrayList<>();

  /**
   * @param prefix the first segment of every meter name ({@code actito}, {@code didomi})
   * @param remoteName how descriptions name the remote ({@code Actito}, {@code Didomi})
   */
  public RemoteCallMetrics(MeterRegistry registry, String prefix, String remoteName, String integrationId) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    this.remoteName = Objects.requireNonNull(remoteName, "remoteName");
    this.integrationId = Objects.requireNonNull(integrationId, "integrationId");
    this.tags = Tags.of("integration", integrationId);
  }

  /** One more call of {@code op} that ended as {@code outcome} ({@code success}, {@code timeout}, …). */
  public void count(RemoteOperation op, String outcome) {
    registry.counter(prefix + ".calls", tags.and("operation", op.tag(), "outcome", outcome)).increment();
  }

  /** How long one call of {@code op} took once admitted. */
  public void recordDuration(RemoteOperation op, long nanos) {
    timers.computeIfAbsent(op.tag(), tag -> Timer.builder(prefix + ".call.duration")
            .description(remoteName + " call latency, admission wait excluded")
            .tags(tags.and("operation", tag))
            .publishPercentileHistogram()
            .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** One more token request that ended as {@code outcome} ({@code success} or {@code failure}). */
  public void countTokenRefresh(String outcome) {
    registry.counter(prefix + ".token.refreshes", tags.and("outcome", outcome)).increment();
  }

  /** The gauges of the gate and breaker every call goes through. */
  public void watch(PacingGate gate, CircuitBreaker breaker) {
    gauges.add(Gauge.builder(prefix + ".calls.inflight", gate, PacingGate::inFlight)
        .description(remoteName + " calls in flight").tags(tags).strongReference(true).register(registry));
    gauges.add(Gauge.builder(prefix + ".calls.queued", gate, PacingGate::queued)
        .description(remoteName + " calls waiting for the pacing gate").tags(tags).strongReference(true)
        .register(registry));
    gauges.add(Gauge.builder(prefix + ".breaker.state", breaker, b -> switch (b.state()) {
          case CLOSED -> 0;
          case HALF_OPEN -> 1;
          case OPEN -> 2;
        })
        .description("0 closed, 1 half-open, 2 open").tags(tags).strongReference(true).register(registry));
  }

  /** The {@code {prefix}.auth.failed} gauge: 1 while {@code authFailed} says so. */
  public void watchAuth(BooleanSupplier authFailed, String description) {
    gauges.add(Gauge.builder(prefix + ".auth.failed", authFailed, a -> a.getAsBoolean() ? 1 : 0)
        .description(description).tags(tags).strongReference(true).register(registry));
  }

  /**
   * The {@code {prefix}.licence.state} gauge: 0 available, 1 breaker open, 2 key refused, 3 rate
   * limited (paused after a 429).
   */
  public void watchLicence(LicenceStatus status) {
    gauges.add(Gauge.builder(prefix + ".licence.state", status, s -> s.snapshot().state().ordinal())
        .description("0 available, 1 breaker open, 2 key refused, 3 paused after a 429: why " + remoteName
            + " calls wait")
        .tags(tags).strongReference(true).register(registry));
  }

  /** One more probe of a blocked licence that ended as {@code outcome} ({@code success} or {@code failure}). */
  public void countProbe(String outcome) {
    registry.counter(prefix + ".licence.probes", tags.and("outcome", outcome)).increment();
  }

  /** Removes every meter of this client from the registry. */
  public void close() {
    gauges.forEach(registry::remove);
    registry.getMeters().stream()
        .filter(m -> m.getId().getName().startsWith(prefix + ".")
            && integrationId.equals(m.getId().getTag("integration")))
        .forEach(registry::remove);
  }
}
