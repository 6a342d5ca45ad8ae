package io.consentgateway.actito;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Actito licences of one gateway and the clients that use them: one {@link ActitoLicence} per
 * (base URL, API key), as integrations that share one share its limits (docs/design.md §2) — and one
 * {@link ActitoClient} per integration, going through its licence. When integrations on one
 * licence configure different limits, the licence is paced to the lowest of each (concurrency,
 * calls per minute, queue bound, longest backoff, first key probe), which is logged once; its other
 * tuning (timeout, breaker, rate window) is its first integration's.
 */
public final class ActitoLicences {

  private static final Logger LOG = LoggerFactory.getLogger(ActitoLicences.class);

  private final Map<String, ActitoClient> clients = new LinkedHashMap<>();
  private final Map<String, ActitoLicence> byIntegration = new LinkedHashMap<>();
  private final List<ActitoLicence> licences = new ArrayList<>();

  /** @param integrations every integration's settings, base URLs resolved, in configuration order */
  public ActitoLicences(Vertx vertx, List<ActitoClientSettings> integrations, MeterRegistry registry, Clock clock) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(clock, "clock");
    Map<String, List<ActitoClientSettings>> byKey = new LinkedHashMap<>();
    for (ActitoClientSettings settings : integrations) {
      // in memory only: the key itself is what tells two licences apart
      byKey.computeIfAbsent(settings.baseUrl() + "\u0000" + settings.apiKey().reveal(), k -> new ArrayList<>())
          .add(settings);
    }
    for (List<ActitoClientSettings> members : byKey.values()) {
      ActitoLicence licence = new ActitoLicence(vertx, paced(members), members, registry, clock);
      licences.add(licence);
      for (ActitoClientSettings member : members) {
        byIntegration.put(member.integrationId(), licence);
        clients.put(member.integrationId(), new ActitoClient(licence, member, registry));
      }
    }
  }

  /** The client of {@code integrationId}; null when there is no such integration. */
  public ActitoClient client(String integrationId) {
    return clients.get(integrationId);
  }

  /** The licence {@code integrationId} uses; null when there is no such integration. */
  public ActitoLicence licenceOf(String integrationId) {
    return byIntegration.get(integrationId);
  }

  public Collection<ActitoLicence> licences() {
    return List.copyOf(licences);
  }

  /** Closes every client, then every licence. */
  public Future<Void> close() {
    clients.values().forEach(ActitoClient::close);
    licences.forEach(ActitoLicence::close);
    return Future.succeededFuture();
  }

  /** The first member's settings, paced to the lowest limits of all members. */
  static ActitoClientSettings paced(List<ActitoClientSettings> members) {
    ActitoClientSettings first = members.get(0);
    int concurrency = min(members, ActitoClientSettings::maxConcurrency);
    int perMinute = min(members, ActitoClientSettings::callsPerMinute);
    if (members.stream().anyMatch(m -> m.maxConcurrency() != concurrency || m.callsPerMinute() != perMinute)) {
      LOG.warn("integrations {} share the Actito licence {} (key {}) but configure different limits ({}): "
              + "pacing the licence to the lowest, {} concurrent calls and {} per minute",
          members.stream().map(ActitoClientSettings::integrationId).toList(), first.baseUrl(),
          first.apiKey().fingerprint(),
          members.stream().map(m -> m.integrationId() + " " + m.maxConcurrency() + "/" + m.callsPerMinute())
              .collect(Collectors.joining(", ")),
          concurrency, perMinute);
    }
    return new ActitoClientSettings(first.integrationId(), first.baseUrl(), first.apiKey(), first.entity(),
        first.table(), first.userUniqueKey(), first.upsertMode(), concurrency, perMinute, first.rateWindow(),
        first.rateMargin(), first.timeout(), min(members, ActitoClientSettings::maxQueued),
        first.breakerMaxFailures(), first.breakerResetTimeout(), first.tokenRefreshMargin(),
        shortest(members, ActitoClientSettings::authRetryInterval), shortest(members, ActitoClientSettings::maxBackoff));
  }

  private static int min(List<ActitoClientSettings> members, java.util.function.ToIntFunction<ActitoClientSettings> limit) {
    return members.stream().mapToInt(limit).min().orElseThrow();
  }

  private static Duration shortest(List<ActitoClientSettings> members, Function<ActitoClientSettings, Duration> limit) {
    return members.stream().map(limit).min(Comparator.naturalOrder()).orElseThrow();
  }
}
