package io.consentgateway.app;

import io.consentgateway.actito.ActitoClientSettings;
import io.consentgateway.actito.ActitoLicences;
import io.consentgateway.actito.ActitoTableCheck;
import io.consentgateway.admin.AdminVerticle;
import io.consentgateway.admin.OperatorApi;
import io.consentgateway.config.ActitoConfig;
import io.consentgateway.config.GatewayConfig;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.IntegrationConfig.BidirectionalConfig;
import io.consentgateway.config.Secret;
import io.consentgateway.didomi.DidomiClientSettings;
import io.consentgateway.didomi.DidomiLicences;
import io.consentgateway.dispatch.DidomiDispatch;
import io.consentgateway.dispatch.DispatchLane;
import io.consentgateway.dispatch.BulkLane;
import io.consentgateway.dispatch.DispatchScheduler;
import io.consentgateway.dispatch.DispatchVerticle;
import io.consentgateway.dispatch.IntegrationDispatch;
import io.consentgateway.dispatch.LocalCodecs;
import io.consentgateway.http.MetricLabels;
import io.consentgateway.ingest.IngestMetrics;
import io.consentgateway.ingest.IngestVerticle;
import io.consentgateway.mapping.ConsentMapper;
import io.consentgateway.remote.BlockedTime;
import io.consentgateway.remote.Licence;
import io.consentgateway.store.BlockedTimeLog;
import io.consentgateway.store.ClaimedDidomiWrite;
import io.consentgateway.store.ClaimedUser;
import io.consentgateway.store.RetentionPruner;
import io.consentgateway.store.sqlite.SqliteConsentStore;
import io.consentgateway.webhook.DidomiWebhookParser;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds every part of one gateway from its {@link GatewayConfig}: the Vert.x instance and its
 * metrics registry, the store, the bundled sandboxes the configuration asks for, the Actito and
 * Didomi licences with their clients, each integration's lanes, the scheduler and the verticles.
 * It starts nothing but the sandboxes (their URLs are the clients' base URLs); {@link Gateway}
 * deploys the parts in order, reports readiness and stops them.
 */
public final class GatewayAssembly {

  private static final Logger log = LoggerFactory.getLogger(Gateway.class);
  // the breaker opens after this many retryable failures in a row, as the Actito client's does
  private static final int DIDOMI_BREAKER_MAX_FAILURES = 5;

  private final GatewayConfig config;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final SqliteConsentStore store;
  private final Clock clock;
  private final BundledSandboxes bundled = BundledSandboxes.load();
  private final Secret signingKey;
  private final DidomiWebhookParser parser = new DidomiWebhookParser();
  private final Map<String, ConsentMapper> mappers = new LinkedHashMap<>();
  private final IngestMetrics ingestMetrics;
  private final BlockedTime downtime = new BlockedTime();
  private final Map<String, BundledSandboxes.RunningActito> actitoSandboxes = new LinkedHashMap<>();
  private final Map<String, BundledSandboxes.RunningDidomi> didomiSandboxes = new LinkedHashMap<>();
  private final Map<String, IntegrationDispatch> dispatches = new LinkedHashMap<>();
  private final Map<String, DidomiDispatch> writeBacks = new LinkedHashMap<>();
  private final List<DispatchLane<?>> lanes = new ArrayList<>();
  private ActitoLicences actitoLicences;
  private DidomiLicences didomiLicences;
  private DispatchScheduler scheduler;
  private final List<BulkLane> bulkLanes = new ArrayList<>();
  private RetentionPruner retention;

  /** The parts that need no remote side yet; {@link #build} makes the rest. */
  GatewayAssembly(GatewayConfig config, Vertx vertx, PrometheusMeterRegistry registry, SqliteConsentStore store,
      Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.signingKey = signingKey(config);
    for (IntegrationConfig integration : config.integrations()) {
      mappers.put(integration.id(), new ConsentMapper(integration));
    }
    this.ingestMetrics = new IngestMetrics(registry, mappers.keySet());
    vertx.eventBus().registerDefaultCodec(ClaimedUser.class, new LocalCodecs.ClaimedUserCodec());
    vertx.eventBus().registerDefaultCodec(ClaimedDidomiWrite.class, new LocalCodecs.ClaimedDidomiWriteCodec());
  }

  static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  /** A Vert.x instance whose metrics go to {@code registry}. */
  static Vertx newVertx(PrometheusMeterRegistry registry) {
    return Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(true)
            .addLabels(Label.LOCAL, Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE)
            // junk requests must not add series: invented methods count as OTHER, no route as "none"
            .setServerRequestTagsProvider(MetricLabels::serverRequest)
            .addLabelMatch(MetricLabels.noRoute())))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
  }

  /** Opens (or creates) the store at {@code store.path}. */
  static SqliteConsentStore openStore(GatewayConfig config, MeterRegistry registry) {
    // the longest an integration waits before re-sending a write in doubt
    long recheck = config.integrations().stream().mapToLong(i -> i.dispatch().inDoubtRecheckMs()).max().orElse(0);
    return SqliteConsentStore.open(Path.of(config.store().path()), config.store().queueCapacity(),
        config.store().maxBatch(), registry, java.time.Clock.systemUTC(), recheck);
  }

  /**
   * The start-up check of {@code consent-gateway check}: real Actito tables, and the bundled Actito
   * sandbox started for the occasion (on any free port) for {@code baseUrl: sandbox}.
   */
  public static ActitoTableCheck tableCheck(Vertx vertx, MeterRegistry registry) {
    BundledSandboxes bundled = BundledSandboxes.load();
    return new ActitoTableCheck(vertx, registry, integration -> bundled.startActito(vertx, integration, 0)
        .map(sandbox -> new ActitoTableCheck.Started(sandbox.baseUrl(), sandbox::stop)));
  }

  private static Secret signingKey(GatewayConfig config) {
    Secret signingKey = config.auth().signingKey();
    if (!signingKey.isEmpty()) {
      return signingKey;
    }
    byte[] random = new byte[48];
    new SecureRandom().nextBytes(random);
    log.warn("auth.signingKey is not set: using a random key; issued tokens will not survive a restart");
    return Secret.of(Base64.getEncoder().encodeToString(random));
  }

  /**
   * Resolves every base URL (starting the sandboxes asked for), groups the integrations into
   * licences — one per API key and host, shared — and builds each integration's lanes on them, the
   * scheduler over those lanes and the retention pruner. {@code spans} are the blocked spans of
   * earlier runs: each licence's own, and the downtime.
   */
  Future<Void> build(List<BlockedTimeLog.Span> spans) {
    List<ActitoClientSettings> actito = new ArrayList<>();
    List<DidomiClientSettings> didomi = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (IntegrationConfig integration : config.integrations()) {
      chain = chain.compose(v -> actitoBaseUrl(integration)).map(baseUrl -> {
        actito.add(ActitoClientSettings.from(integration.id(), integration.actito()).withBaseUrl(baseUrl)
            .withMaxBackoff(Duration.ofMillis(integration.dispatch().maxBackoffMs())));
        return null;
      });
      if (integration.bidirectional().enabled()) {
        chain = chain.compose(v -> didomiBaseUrl(integration)).map(baseUrl -> {
          didomi.add(DidomiClientSettings.from(integration)
              .withBaseUrl(baseUrl)
              // the Didomi API has no breaker key of its own: its breaker probes again after the
              // integration's integrations[].actito.breakerResetMs, as the Actito one does
              .withBreaker(DIDOMI_BREAKER_MAX_FAILURES, Duration.ofMillis(integration.actito().breakerResetMs())));
          return null;
        });
      }
    }
    return chain.map(v -> {
      spans.stream().filter(span -> span.scope().equals(BlockedTimeLog.GATEWAY))
          .forEach(span -> downtime.add(span.startedAtMillis(), span.endedAtMillis()));
      actitoLicences = new ActitoLicences(vertx, actito, registry, clock);
      didomiLicences = new DidomiLicences(vertx, didomi, registry, clock);
      licences().forEach(licence -> journal(licence, spans));
      for (IntegrationConfig integration : config.integrations()) {
        String id = integration.id();
        dispatches.put(id, new IntegrationDispatch(integration, mappers.get(id), actitoLicences.client(id), store,
            registry, downtime, clock));
        if (integration.bidirectional().enabled()) {
          writeBacks.put(id, new DidomiDispatch(dispatches.get(id), didomiLicences.client(id), store, registry,
              downtime, clock));
        }
      }
      lanes.addAll(dispatches.values());
      lanes.addAll(writeBacks.values());
      scheduler = new DispatchScheduler(lanes, dispatches, store);
      for (IntegrationConfig integration : config.integrations()) {
        if (integration.actito().bulk().enabled()) {
          IntegrationDispatch dispatch = dispatches.get(integration.id());
          BulkLane lane = new BulkLane(dispatch, store, store, mappers.get(integration.id()), registry, clock);
          dispatch.bulk(lane);
          dispatch.onWake(() -> scheduler.wake(integration.id()));
          bulkLanes.add(lane);
        }
      }
      // a licence available again wakes the lanes of every integration on it: no operator action
      licences().forEach(licence -> licence.onAvailable(() -> licence.integrations().forEach(scheduler::wake)));
      retention = new RetentionPruner(store, config.store().retentionDays(), Clock.systemUTC(), registry);
      return null;
    });
  }

  // the licence's blocked spans are written to the store as they start and end
  private void journal(Licence<?> licence, List<BlockedTimeLog.Span> spans) {
    List<long[]> earlier = spans.stream()
        .filter(span -> span.scope().equals(licence.id().scope()) && span.endedAtMillis() != null)
        .map(span -> new long[] {span.startedAtMillis(), span.endedAtMillis()})
        .toList();
    licence.journal(new Licence.BlockJournal() {
      @Override
      public Future<Long> blockStarted(String scope, String reason, long atMillis) {
        return store.blockStarted(scope, reason, atMillis);
      }

      @Override
      public Future<Void> blockEnded(long id, long atMillis) {
        return store.blockEnded(id, atMillis);
      }
    }, earlier);
  }

  private Future<String> actitoBaseUrl(IntegrationConfig integration) {
    ActitoConfig actito = integration.actito();
    if (!actito.usesSandbox()) {
      return Future.succeededFuture(actito.baseUrl());
    }
    return bundled.startActito(vertx, integration, actito.sandboxPort()).map(sandbox -> {
      actitoSandboxes.put(integration.id(), sandbox);
      log.warn("integration {}: no real Actito configured, using the bundled Actito sandbox at {}",
          integration.id(), sandbox.baseUrl());
      return sandbox.baseUrl();
    });
  }

  private Future<String> didomiBaseUrl(IntegrationConfig integration) {
    BidirectionalConfig bidirectional = integration.bidirectional();
    if (!bidirectional.usesDidomiSandbox()) {
      return Future.succeededFuture(bidirectional.didomiBaseUrl());
    }
    return bundled.startDidomi(vertx, integration, bidirectional.didomiSandboxPort()).map(sandbox -> {
      didomiSandboxes.put(integration.id(), sandbox);
      log.warn("integration {}: no real Didomi API configured, using the bundled Didomi sandbox at {}",
          integration.id(), sandbox.baseUrl());
      return sandbox.baseUrl();
    });
  }

  /**
   * Closes the loop of the bundled sandboxes once the public listener runs on {@code ingestPort}:
   * the Actito sandbox calls this gateway's Actito webhook when a profile's subscriptions change,
   * the Didomi sandbox calls its Didomi webhook (with a token from {@code /oauth/token}) when
   * consents change.
   */
  void connectSandboxWebhooks(int ingestPort) {
    String self = "http://127.0.0.1:" + ingestPort;
    for (IntegrationConfig integration : config.integrations()) {
      BidirectionalConfig bidirectional = integration.bidirectional();
      if (!bidirectional.enabled()) {
        continue;
      }
      BundledSandboxes.RunningActito actito = actitoSandboxes.get(integration.id());
      if (actito != null) {
        actito.sendWebhooksTo(self + "/webhooks/actito/" + integration.id(),
            Map.of(bidirectional.webhookHeader(), bidirectional.webhookSecret().reveal()));
      }
      BundledSandboxes.RunningDidomi didomi = didomiSandboxes.get(integration.id());
      // a client whose tokens this integration's webhook takes (auth.clients[].integrations)
      var client = config.auth().clients().stream().filter(c -> c.mayPostTo(integration.id())).findFirst().orElse(null);
      if (didomi != null && client != null) {
        didomi.sendWebhooksTo(self + "/webhooks/didomi/" + integration.id(), self + "/oauth/token",
            client.clientId(), client.clientSecret().reveal());
      }
    }
  }

  /** The operator listener, answering readiness with {@code readiness}. */
  AdminVerticle admin(Supplier<JsonObject> readiness) {
    return new AdminVerticle(config.admin(), registry, readiness, new OperatorApi(store, dispatches, writeBacks, scheduler));
  }

  /** The dispatch verticles, one per instance deployed: instance {@code i} of {@code instances}. */
  Supplier<DispatchVerticle> dispatchVerticles(int instances) {
    return new Supplier<>() {
      private int next;

      @Override
      public DispatchVerticle get() {
        return new DispatchVerticle(lanes, next++, instances);
      }
    };
  }

  /** The public listener's verticles, one per instance deployed; they share one port. */
  IngestVerticles ingestVerticles() {
    return new IngestVerticles();
  }

  /** Makes the public listener's instances and remembers them, to tell the port they share. */
  final class IngestVerticles implements Supplier<IngestVerticle> {
    private final List<IngestVerticle> made = new ArrayList<>();

    @Override
    public IngestVerticle get() {
      IngestVerticle verticle = new IngestVerticle(config, signingKey, store, ingestMetrics, parser, mappers);
      made.add(verticle);
      return verticle;
    }

    /** The port the deployed instances listen on. */
    int port() {
      return made.get(0).actualPort();
    }
  }

  /** Every licence, Actito's then Didomi's; empty before {@link #build} completed. */
  List<Licence<?>> licences() {
    List<Licence<?>> all = new ArrayList<>();
    if (actitoLicences != null) {
      actitoLicences.licences().forEach(licence -> all.add(licence.licence()));
    }
    if (didomiLicences != null) {
      didomiLicences.licences().forEach(licence -> all.add(licence.licence()));
    }
    return all;
  }

  /** Closes the Actito licences' clients; nothing to do when they were never built. */
  Future<Void> closeActitoLicences() {
    return actitoLicences == null ? Future.succeededFuture() : actitoLicences.close();
  }

  /** Closes the Didomi licences' clients; nothing to do when they were never built. */
  Future<Void> closeDidomiLicences() {
    return didomiLicences == null ? Future.succeededFuture() : didomiLicences.close();
  }

  /** The sandboxes started so far, Actito's then Didomi's. */
  List<BundledSandboxes.Running> sandboxes() {
    List<BundledSandboxes.Running> all = new ArrayList<>(actitoSandboxes.values());
    all.addAll(didomiSandboxes.values());
    return all;
  }

  /** The sandbox of {@code integration} that is a {@code type}, or null. */
  <T> T sandbox(String integration, Class<T> type) {
    BundledSandboxes.Running actito = actitoSandboxes.get(integration);
    T found = actito == null ? null : actito.unwrap(type);
    if (found == null) {
      BundledSandboxes.Running didomi = didomiSandboxes.get(integration);
      found = didomi == null ? null : didomi.unwrap(type);
    }
    return found;
  }

  /** Gateway downtime (the gaps between runs), which no change's age counts. */
  BlockedTime downtime() {
    return downtime;
  }

  Map<String, IntegrationDispatch> dispatches() {
    return Collections.unmodifiableMap(dispatches);
  }

  DispatchScheduler scheduler() {
    return scheduler;
  }

  /** The bulk lanes of the integrations that have one. */
  List<BulkLane> bulkLanes() {
    return Collections.unmodifiableList(bulkLanes);
  }

  RetentionPruner retention() {
    return retention;
  }
}
