package io.consentgateway.app;

import io.consentgateway.actito.ActitoClientSettings;
import io.consentgateway.remote.PacingGate;
import io.consentgateway.actito.ActitoLicences;
import io.consentgateway.actito.ActitoTableCheck;
import io.consentgateway.didomi.DidomiClientSettings;
import io.consentgateway.didomi.DidomiLicences;
import io.consentgateway.admin.AdminVerticle;
import io.consentgateway.admin.OperatorApi;
import io.consentgateway.config.ActitoConfig;
import io.consentgateway.config.GatewayConfig;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.IntegrationConfig.BidirectionalConfig;
import io.consentgateway.config.Secret;
import io.consentgateway.dispatch.DidomiDispatch;
import io.consentgateway.dispatch.DispatchLane;
import io.consentgateway.dispatch.DispatchScheduler;
import io.consentgateway.dispatch.DispatchVerticle;
import io.consentgateway.dispatch.IntegrationDispatch;
import io.consentgateway.dispatch.LocalCodecs;
import io.consentgateway.http.MetricLabels;
import io.consentgateway.ingest.IngestMetrics;
import io.consentgateway.ingest.IngestVerticle;
import io.consentgateway.mapping.ConsentMapper;
import io.consentgateway.webhook.DidomiWebhookParser;
import io.consentgateway.remote.BlockedTime;
import io.consentgateway.remote.Licence;
import io.consentgateway.store.BlockedTimeLog;
import io.consentgateway.store.CallJournal;
import io.consentgateway.store.ClaimedDidomiWrite;
import io.consentgateway.store.ClaimedUser;
import io.consentgateway.store.ConsentStore;
import io.consentgateway.store.RetentionPruner;
import io.consentgateway.store.sqlite.SqliteConsentStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: its Vert.x instance, metrics registry, store, Actito and Didomi licences and
 * clients (and sandboxes) and verticles. {@link #start} opens the store, deploys everything and only then reports ready;
 * {@link #stop} undoes it in the order that loses nothing: stop accepting webhooks, let in-flight
 * requests and Actito calls finish (bounded), flush the last commit, close the store.
 */
public final class Gateway {

  private static final Logger log = LoggerFactory.getLogger(Gateway.class);
  private static final long DRAIN_MILLIS = 10_000;
  // how often the running gateway says so: the gap after the last one is downtime
  private static final long ALIVE_MILLIS = 5_000;
  private static final long PRUNE_EVERY_ALIVE = 720; // an hour of heartbeats
  private static final long CALL_JOURNAL_MILLIS = 1_000;
  // a licence's window is a minute (and its margin): twice that is more than enough to resume it
  private static final long CALL_WINDOW_KEPT_MILLIS = TimeUnit.MINUTES.toMillis(2);

  private final GatewayConfig config;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final ConsentStore store;
  private final BlockedTimeLog blockedTimeLog;
  private final CallJournal callJournal;
  private long journalTicks;
  private final Clock clock = Clock.systemUTC();
  private final BlockedTime downtime = new BlockedTime();
  private ActitoLicences actitoLicences;
  private DidomiLicences didomiLicences;
  private long aliveTimer = -1;
  private long callJournalTimer = -1;
  private long aliveTicks;
  private final BundledSandboxes bundled = BundledSandboxes.load();
  private final Map<String, BundledSandboxes.RunningActito> sandboxes = new LinkedHashMap<>();
  private final Map<String, IntegrationDispatch> dispatches = new LinkedHashMap<>();
  private final Map<String, DidomiDispatch> writeBacks = new LinkedHashMap<>();
  private final Map<String, BundledSandboxes.RunningDidomi> didomiSandboxes = new LinkedHashMap<>();
  private final List<String> deployments = new ArrayList<>();
  private DispatchScheduler scheduler;
  private RetentionPruner retention;
  private volatile boolean ready;
  private volatile boolean stopping;
  private String ingestDeployment;
  private int ingestPort;
  private int adminPort;

  private Gateway(GatewayConfig config, Vertx vertx, PrometheusMeterRegistry registry, SqliteConsentStore store) {
    this.config = config;
    this.vertx = vertx;
    this.registry = registry;
    this.store = store;
    this.blockedTimeLog = store;
    this.callJournal = store;
  }

  /** Starts a gateway; blocking, for {@code main} and tests (never call it on an event loop). */
  public static Gateway start(GatewayConfig config) {
    Objects.requireNonNull(config, "config");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(true)
            .addLabels(Label.LOCAL, Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE)
            // junk requests must not add series: invented methods count as OTHER, no route as "none"
            .setServerRequestTagsProvider(MetricLabels::serverRequest)
            .addLabelMatch(MetricLabels.noRoute())))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    SqliteConsentStore store;
    try {
      store = SqliteConsentStore.open(
          Path.of(config.store().path()), config.store().queueCapacity(), config.store().maxBatch(), registry);
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
    Gateway gateway = new Gateway(config, vertx, registry, store);
    try {
      gateway.deploy().await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      gateway.stop();
      throw new IllegalStateException("start-up failed: " + e.getMessage(), e);
    }
    return gateway;
  }

  /**
   * The start-up check of {@code consent-gateway check}: real Actito tables, and the bundled Actito
   * sandbox started for the occasion for {@code baseUrl: sandbox}.
   */
  public static ActitoTableCheck tableCheck(Vertx vertx, MeterRegistry registry) {
    BundledSandboxes bundled = BundledSandboxes.load();
    return new ActitoTableCheck(vertx, registry, integration -> bundled.startActito(vertx, integration, 0)
        .map(sandbox -> new ActitoTableCheck.Started(sandbox.baseUrl(), sandbox::stop)));
  }

  private Future<Void> deploy() {
    Secret signingKey = config.auth().signingKey();
    if (signingKey.isEmpty()) {
      byte[] random = new byte[48];
      new SecureRandom().nextBytes(random);
      signingKey = Secret.of(Base64.getEncoder().encodeToString(random));
      log.warn("auth.signingKey is not set: using a random key; issued tokens will not survive a restart");
    }
    Secret key = signingKey;
    DidomiWebhookParser parser = new DidomiWebhookParser();
    Map<String, ConsentMapper> mappers = new LinkedHashMap<>();
    for (IntegrationConfig integration : config.integrations()) {
      mappers.put(integration.id(), new ConsentMapper(integration));
    }
    IngestMetrics ingestMetrics = new IngestMetrics(registry, mappers.keySet());
    int cores = config.server().effectiveInstances();
    vertx.eventBus().registerDefaultCodec(ClaimedUser.class, new LocalCodecs.ClaimedUserCodec());
    vertx.eventBus().registerDefaultCodec(ClaimedDidomiWrite.class, new LocalCodecs.ClaimedDidomiWriteCodec());

    long keepSince = clock.millis() - oldestChangeWorthKeepingMillis();
    return blockedTimeLog.resumeBlockedTime(clock.millis(), keepSince)
        .compose(spans -> startClients(mappers, spans))
        .compose(v -> resumeCallWindows())
        .compose(v -> {
          List<DispatchLane<?>> lanes = new ArrayList<>(dispatches.values());
          lanes.addAll(writeBacks.values());
          scheduler = new DispatchScheduler(lanes, dispatches, store);
          wakeLanesWhenLicencesRecover();
          AdminVerticle admin = new AdminVerticle(config.admin(), registry, this::readiness,
              new OperatorApi(store, dispatches, writeBacks, scheduler));
          return vertx.deployVerticle(admin).map(id -> {
            deployments.add(id);
            adminPort = admin.actualPort();
            return null;
          });
        })
        .compose(v -> {
          int[] index = {0};
          List<DispatchLane<?>> lanes = new ArrayList<>(dispatches.values());
          lanes.addAll(writeBacks.values());
          return vertx.deployVerticle(() -> new DispatchVerticle(lanes, index[0]++, cores),
              new DeploymentOptions().setInstances(cores));
        })
        .compose(id -> {
          deployments.add(id);
          retention = new RetentionPruner(store, config.store().retentionDays(), Clock.systemUTC(), registry);
          return vertx.deployVerticle(retention);
        })
        .compose(id -> {
          deployments.add(id);
          return vertx.deployVerticle(scheduler);
        })
        .compose(id -> {
          deployments.add(id);
          IngestVerticle[] first = new IngestVerticle[1];
          return vertx.deployVerticle(() -> {
                IngestVerticle verticle = new IngestVerticle(config, key, store, ingestMetrics, parser, mappers);
                if (first[0] == null) {
                  first[0] = verticle;
                }
                return verticle;
              }, new DeploymentOptions().setInstances(cores))
              .map(deployment -> {
                ingestDeployment = deployment;
                ingestPort = first[0].actualPort();
                return null;
              });
        })
        .compose(v -> connectSandboxWebhooks())
        .map(v -> {
          aliveTimer = vertx.setPeriodic(ALIVE_MILLIS, id -> heartbeat());
          callJournalTimer = vertx.setPeriodic(CALL_JOURNAL_MILLIS, id -> journalCalls());
          ready = true;
          log.info("consent-gateway ready: webhooks on {}:{} ({} ingest verticles), admin on {}:{}",
              config.server().host(), ingestPort, cores, config.admin().host(), adminPort);
          return null;
        });
  }

  /**
   * Resolves every base URL (starting the sandboxes asked for), groups the integrations into
   * licences — one per API key and host, shared — and builds each integration's lanes on them.
   * {@code spans} are the blocked spans of earlier runs: each licence's own, and the downtime.
   */
  private Future<Void> startClients(Map<String, ConsentMapper> mappers, List<BlockedTimeLog.Span> spans) {
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
              .withBreaker(5, Duration.ofMillis(integration.actito().breakerResetMs())));
          return null;
        });
      }
    }
    return chain.map(v -> {
      spans.stream().filter(span -> span.scope().equals(BlockedTimeLog.GATEWAY))
          .forEach(span -> downtime.add(span.startedAtMillis(), span.endedAtMillis()));
      actitoLicences = new ActitoLicences(vertx, actito, registry, clock);
      didomiLicences = new DidomiLicences(vertx, didomi, registry, clock);
      actitoLicences.licences().forEach(licence -> journal(licence.licence(), spans));
      didomiLicences.licences().forEach(licence -> journal(licence.licence(), spans));
      for (IntegrationConfig integration : config.integrations()) {
        String id = integration.id();
        dispatches.put(id, new IntegrationDispatch(integration, mappers.get(id), actitoLicences.client(id), store,
            registry, downtime, clock));
        if (integration.bidirectional().enabled()) {
          writeBacks.put(id, new DidomiDispatch(dispatches.get(id), didomiLicences.client(id), store, registry,
              downtime, clock));
        }
      }
      return null;
    });
  }

  private void journal(Licence<?> licence, List<BlockedTimeLog.Span> spans) {
    List<long[]> earlier = spans.stream()
        .filter(span -> span.scope().equals(licence.id().scope()) && span.endedAtMillis() != null)
        .map(span -> new long[] {span.startedAtMillis(), span.endedAtMillis()})
        .toList();
    licence.journal(new Licence.BlockJournal() {
      @Override
      public Future<Long> blockStarted(String scope, String reason, long atMillis) {
        return blockedTimeLog.blockStarted(scope, reason, atMillis);
      }

      @Override
      public Future<Void> blockEnded(long id, long atMillis) {
        return blockedTimeLog.blockEnded(id, atMillis);
      }
    }, earlier);
  }

  // a licence available again wakes the lanes of every integration on it: no operator action
  private void wakeLanesWhenLicencesRecover() {
    actitoLicences.licences().forEach(licence ->
        licence.licence().onAvailable(() -> licence.licence().integrations().forEach(scheduler::wake)));
    didomiLicences.licences().forEach(licence ->
        licence.licence().onAvailable(() -> licence.licence().integrations().forEach(scheduler::wake)));
  }

  // no change waits longer than the largest maxAgeSeconds: older spans cannot matter
  private long oldestChangeWorthKeepingMillis() {
    return config.integrations().stream().mapToLong(i -> i.dispatch().maxAgeSeconds()).max().orElse(0) * 1000
        + TimeUnit.DAYS.toMillis(1);
  }

  /** Every licence's gate counts the calls its previous run started within the last window. */
  private Future<Void> resumeCallWindows() {
    List<Future<Void>> resumed = new ArrayList<>();
    for (Licence<?> licence : allLicences()) {
      long since = clock.millis() - CALL_WINDOW_KEPT_MILLIS;
      PacingGate gate = licence.guard().gate();
      // never more grants ahead of the journal than calls in flight: those are what a crash loses
      gate.journalAhead(gate.maxConcurrency(), () -> journalCalls(licence));
      resumed.add(callJournal.callsSince(licence.id().scope(), since).map(times -> {
        gate.prefill(times, gate.maxConcurrency());
        return null;
      }));
    }
    return Future.all(resumed).mapEmpty();
  }

  // the calls granted since the last time go to the journal; those older than the window are forgotten
  private void journalCalls() {
    for (Licence<?> licence : allLicences()) {
      journalCalls(licence);
    }
    if (++journalTicks % 60 == 0) {
      callJournal.pruneCalls(clock.millis() - CALL_WINDOW_KEPT_MILLIS);
    }
  }

  private void journalCalls(Licence<?> licence) {
    PacingGate gate = licence.guard().gate();
    List<Long> started = gate.takeJournal();
    if (started.isEmpty()) {
      return;
    }
    callJournal.callsStarted(licence.id().scope(), started).onComplete(done -> {
      if (done.succeeded()) {
        gate.journalWritten(started.size());
      } else {
        log.debug("calls of {} not journaled yet: {}", licence.id(), done.cause().getMessage());
        gate.journalFailed();
      }
    });
  }

  private List<Licence<?>> allLicences() {
    List<Licence<?>> all = new ArrayList<>();
    actitoLicences.licences().forEach(licence -> all.add(licence.licence()));
    didomiLicences.licences().forEach(licence -> all.add(licence.licence()));
    return all;
  }

  private void heartbeat() {
    long now = clock.millis();
    blockedTimeLog.alive(now);
    if (++aliveTicks % PRUNE_EVERY_ALIVE == 0) {
      long before = now - oldestChangeWorthKeepingMillis();
      blockedTimeLog.pruneBlockedTime(before);
      downtime.prune(before);
      actitoLicences.licences().forEach(licence -> licence.licence().blockedTime().prune(before));
      didomiLicences.licences().forEach(licence -> licence.licence().blockedTime().prune(before));
    }
  }

  private Future<String> actitoBaseUrl(IntegrationConfig integration) {
    ActitoConfig actito = integration.actito();
    if (!actito.usesSandbox()) {
      return Future.succeededFuture(actito.baseUrl());
    }
    return bundled.startActito(vertx, integration, actito.sandboxPort()).map(sandbox -> {
      sandboxes.put(integration.id(), sandbox);
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
   * Closes the loop of the bundled sandboxes: the Actito sandbox calls this gateway's Actito webhook
   * when a profile's subscriptions change, the Didomi sandbox calls its Didomi webhook (with a token
   * from {@code /oauth/token}) when consents change.
   */
  private Future<Void> connectSandboxWebhooks() {
    String self = "http://127.0.0.1:" + ingestPort;
    for (IntegrationConfig integration : config.integrations()) {
      BidirectionalConfig bidirectional = integration.bidirectional();
      if (!bidirectional.enabled()) {
        continue;
      }
      BundledSandboxes.RunningActito actito = sandboxes.get(integration.id());
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
    return Future.succeededFuture();
  }

  private JsonObject readiness() {
    boolean storeOpen = store.isOpen();
    boolean up = ready && !stopping && storeOpen;
    JsonArray integrations = new JsonArray();
    dispatches.values().forEach(d -> integrations.add(d.client().health().toJson().put("paused", d.paused())
        .put("licence", d.client().licence().licence().toJson())));
    return new JsonObject()
        .put("status", up ? "UP" : "DOWN")
        .put("store", storeOpen ? "open" : "closed")
        .put("deployed", ready)
        .put("stopping", stopping)
        .put("integrations", integrations);
  }

  /**
   * Graceful stop, blocking: stop accepting webhooks and let in-flight ones finish, stop claiming
   * users and let in-flight Actito calls finish (10 s at most; the rest is sent at next start),
   * flush and close the store, close Vert.x. Safe to call twice.
   */
  public synchronized void stop() {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info("consent-gateway stopping");
    quietly("ingest", () -> ingestDeployment == null ? Future.succeededFuture() : vertx.undeploy(ingestDeployment));
    if (scheduler != null) {
      quietly("dispatch", () -> scheduler.drain(DRAIN_MILLIS));
    }
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      quietly("verticle", () -> vertx.undeploy(id));
    }
    if (callJournalTimer >= 0) {
      vertx.cancelTimer(callJournalTimer);
      journalCalls();
    }
    if (aliveTimer >= 0) {
      vertx.cancelTimer(aliveTimer);
      quietly("heartbeat", () -> blockedTimeLog.alive(clock.millis())); // downtime starts now
    }
    quietly("store", store::close);
    if (actitoLicences != null) {
      quietly("actito licences", actitoLicences::close);
    }
    if (didomiLicences != null) {
      quietly("didomi licences", didomiLicences::close);
    }
    for (BundledSandboxes.Running sandbox : sandboxes.values()) {
      quietly("sandbox", sandbox::stop);
    }
    for (BundledSandboxes.Running sandbox : didomiSandboxes.values()) {
      quietly("didomi sandbox", sandbox::stop);
    }
    quietly("vert.x", vertx::close);
    log.info("consent-gateway stopped");
  }

  private static void quietly(String what, java.util.function.Supplier<Future<?>> step) {
    try {
      step.get().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("{} did not stop cleanly: {}", what, e.getMessage());
    }
  }

  public int ingestPort() {
    return ingestPort;
  }

  public int adminPort() {
    return adminPort;
  }

  public ConsentStore store() {
    return store;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * The bundled sandbox of an integration that is a {@code type} (the Actito sandbox when its {@code
   * baseUrl} is {@code sandbox}, the Didomi one when its {@code didomiApi.baseUrl} is), for tests
   * that drive it; null when it has none.
   */
  public <T> T sandbox(String integration, Class<T> type) {
    for (BundledSandboxes.Running sandbox : new BundledSandboxes.Running[] {
        sandboxes.get(integration), didomiSandboxes.get(integration)}) {
      T found = sandbox == null ? null : sandbox.unwrap(type);
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  /** The background pruning of old raw webhooks and history (store.retentionDays). */
  public RetentionPruner retention() {
    return retention;
  }

  public IntegrationDispatch dispatch(String integration) {
    return dispatches.get(integration);
  }
}
