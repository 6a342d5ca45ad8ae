package io.consentgateway.didomi;

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
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Didomi API licences of one gateway and the write-back clients that use them: one {@link
 * DidomiLicence} per (base URL, API key), shared by the integrations on it, paced to the lowest
 * limits they configure (logged once when they differ), and one {@link DidomiClient} per
 * integration. Two integrations giving one key different secrets is a configuration error.
 */
public final class DidomiLicences {

  private static final Logger LOG = LoggerFactory.getLogger(DidomiLicences.class);

  private final Map<String, DidomiClient> clients = new LinkedHashMap<>();
  private final Map<String, DidomiLicence> byIntegration = new LinkedHashMap<>();
  private final List<DidomiLicence> licences = new ArrayList<>();

  /** @param integrations the settings of every integration that writes back, base URLs resolved */
  public DidomiLicences(Vertx vertx, List<DidomiClientSettings> integrations, MeterRegistry registry, Clock clock) {
    Objects.requireNonNull(vertx, "vertx");
    Map<String, List<DidomiClientSettings>> byKey = new LinkedHashMap<>();
    for (DidomiClientSettings settings : integrations) {
      byKey.computeIfAbsent(settings.baseUrl() + "\u0000" + settings.apiKey().reveal(), k -> new ArrayList<>())
          .add(settings);
    }
    for (List<DidomiClientSettings> members : byKey.values()) {
      DidomiLicence licence = new DidomiLicence(vertx, paced(members), members, registry, clock);
      licences.add(licence);
      for (DidomiClientSettings member : members) {
        byIntegration.put(member.integrationId(), licence);
        clients.put(member.integrationId(), new DidomiClient(licence, member, registry));
      }
    }
  }

  public DidomiClient client(String integrationId) {
    return clients.get(integrationId);
  }

  public DidomiLicence licenceOf(String integrationId) {
    return byIntegration.get(integrationId);
  }

  public Collection<DidomiLicence> licences() {
    return List.copyOf(licences);
  }

  public Future<Void> close() {
    clients.values().forEach(DidomiClient::close);
    licences.forEach(DidomiLicence::close);
    return Future.succeededFuture();
  }

  static DidomiClientSettings paced(List<DidomiClientSettings> members) {
    DidomiClientSettings first = members.get(0);
    if (members.stream().anyMatch(m -> !m.apiSecret().matches(first.apiSecret().reveal()))) {
      throw new IllegalArgumentException("integrations " + members.stream().map(DidomiClientSettings::integrationId).toList()
          + " use the Didomi API key " + first.apiKey().fingerprint() + " at " + first.baseUrl()
          + " with different secrets: give them the same bidirectional.didomiApi.apiSecret");
    }
    int concurrency = min(members, DidomiClientSettings::maxConcurrency);
    int calls = min(members, DidomiClientSettings::callsPerWindow);
    if (members.stream().anyMatch(m -> m.maxConcurrency() != concurrency || m.callsPerWindow() != calls)) {
      LOG.warn("integrations {} share the Didomi licence {} (key {}) but configure different limits: pacing the "
              + "licence to the lowest, {} concurrent calls and {} per {}",
          members.stream().map(DidomiClientSettings::integrationId).toList(), first.baseUrl(),
          first.apiKey().fingerprint(), concurrency, calls, first.rateWindow());
    }
    return new DidomiClientSettings(first.integrationId(), first.baseUrl(), first.apiKey(), first.apiSecret(),
        concurrency, calls, first.rateWindow(), first.timeout(), min(members, DidomiClientSettings::maxQueued),
        first.breakerMaxFailures(), first.breakerResetTimeout(), first.tokenRefreshMargin(),
        shortest(members, DidomiClientSettings::authRetryInterval), shortest(members, DidomiClientSettings::maxBackoff));
  }

  private static int min(List<DidomiClientSettings> members, ToIntFunction<DidomiClientSettings> limit) {
    return members.stream().mapToInt(limit).min().orElseThrow();
  }

  private static Duration shortest(List<DidomiClientSettings> members, Function<DidomiClientSettings, Duration> limit) {
    return members.stream().map(limit).min(Comparator.naturalOrder()).orElseThrow();
  }
}
