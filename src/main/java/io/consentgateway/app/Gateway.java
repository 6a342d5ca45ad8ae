package io.consentgateway.app;

import io.consentgateway.admin.AdminVerticle;
import io.consentgateway.config.GatewayConfig;
import io.consentgateway.dispatch.IntegrationDispatch;
import io.consentgateway.remote.Licence;
import io.consentgateway.remote.PacingGate;
import io.consentgateway.store.BlockedTimeLog;
import io.consentgateway.store.CallJournal;
import io.consentgateway.store.ConsentStore;
import io.consentgateway.store.RetentionPruner;
import io.consentgateway.store.sqlite.SqliteConsentStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: the lifecycle of the parts {@link GatewayAssembly} builds. {@link #start}
 * opens the store, deploys everything in order and only then reports ready; while it runs it keeps
 * the heartbeat (downtime) and the call journal (pacing across restarts); {@link #stop} undoes it
 * in the order that loses nothing: stop accepting webhooks, let in-flight requests and Actito calls
 * finish (bounded), flush the last commit, close the store.
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
  private final Clock clock = Clock.systemUTC();
  private final GatewayAssembly parts;
  private final List<String> deployments = new ArrayList<>();
  private long journalTicks;
  private long aliveTimer = -1;
  private long callJournalTimer = -1;
  private long aliveTicks;
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
    this.parts = new GatewayAssembly(config, vertx, registry, store, clock);
  }

  /** Starts a gateway; blocking, for {@code main} and tests (never call it on an event loop). */
  public static Gateway start(GatewayConfig config) {
    Objects.requireNonNull(config, "config");
    PrometheusMeterRegistry registry = GatewayAssembly.newRegistry();
    Vertx vertx = GatewayAssembly.newVertx(registry);
    SqliteConsentStore store;
    try {
      store = GatewayAssembly.openStore(config, registry);
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
    Gateway gateway;
    try {
      gateway = new Gateway(config, vertx, registry, store);
    } catch (RuntimeException e) {
      quietly("store", store::close);
      vertx.close();
      throw e;
    }
    try {
      gateway.deploy().await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      gateway.stop();
      throw new IllegalStateException("start-up failed: " + e.getMessage(), e);
    }
    return gateway;
  }

  /**
   * The deploy order: the parts built (sandboxes started), the pacing of earlier runs resumed,
   * then the admin listener, the dispatchers, retention, the scheduler, and last the public
   * listener — no webhook is taken before everything behind it runs.
   */
  private Future<Void> deploy() {
    int cores = config.server().effectiveInstances();
    long keepSince = clock.millis() - oldestChangeWorthKeepingMillis();
    return blockedTimeLog.resumeBlockedTime(clock.millis(), keepSince)
        .compose(parts::build)
        .compose(v -> resumeCallWindows())
        .compose(v -> {
          AdminVerticle admin = parts.admin(this::readiness);
          return vertx.deployVerticle(admin).map(id -> {
            deployments.add(id);
            adminPort = admin.actualPort();
            return null;
          });
        })
        .compose(v -> vertx.deployVerticle(parts.dispatchVerticles(cores), new DeploymentOptions().setInstances(cores)))
        .compose(id -> {
          deployments.add(id);
          return vertx.deployVerticle(parts.retention());
        })
        .compose(id -> {
          deployments.add(id);
          return vertx.deployVerticle(parts.scheduler());
        })
        .compose(id -> {
          deployments.add(id);
          Future<Void> lanes = Future.succeededFuture();
          for (var lane : parts.bulkLanes()) {
            lanes = lanes.compose(v -> vertx.deployVerticle(lane).map(deployment -> {
              deployments.add(deployment);
              return null;
            }));
          }
          return lanes;
        })
        .compose(v -> {
          GatewayAssembly.IngestVerticles ingest = parts.ingestVerticles();
          return vertx.deployVerticle(ingest, new DeploymentOptions().setInstances(cores)).map(deployment -> {
            ingestDeployment = deployment;
            ingestPort = ingest.port();
            return null;
          });
        })
        .map(v -> {
          parts.connectSandboxWebhooks(ingestPort);
          aliveTimer = vertx.setPeriodic(ALIVE_MILLIS, id -> heartbeat());
          callJournalTimer = vertx.setPeriodic(CALL_JOURNAL_MILLIS, id -> journalCalls());
          ready = true;
          log.info("consent-gateway ready: webhooks on {}:{} ({} ingest verticles), admin on {}:{}",
              config.server().host(), ingestPort, cores, config.admin().host(), adminPort);
          return null;
        });
  }

  // no change waits longer than the largest maxAgeSeconds: older spans cannot matter
  private long oldestChangeWorthKeepingMillis() {
    return config.integrations().stream().mapToLong(i -> i.dispatch().maxAgeSeconds()).max().orElse(0) * 1000
        + TimeUnit.DAYS.toMillis(1);
  }

  /** Every licence's gate counts the calls its previous run started within the last window. */
  private Future<Void> resumeCallWindows() {
    List<Future<Void>> resumed = new ArrayList<>();
    for (Licence<?> licence : parts.licences()) {
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
    for (Licence<?> licence : parts.licences()) {
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

  private void heartbeat() {
    long now = clock.millis();
    blockedTimeLog.alive(now);
    if (++aliveTicks % PRUNE_EVERY_ALIVE == 0) {
      long before = now - oldestChangeWorthKeepingMillis();
      blockedTimeLog.pruneBlockedTime(before);
      parts.downtime().prune(before);
      parts.licences().forEach(licence -> licence.blockedTime().prune(before));
    }
  }

  private JsonObject readiness() {
    boolean storeOpen = store.isOpen();
    boolean up = ready && !stopping && storeOpen;
    JsonArray integrations = new JsonArray();
    parts.dispatches().values().forEach(d -> integrations.add(d.client().health().toJson().put("paused", d.paused())
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
    if (parts.scheduler() != null) {
      quietly("dispatch", () -> parts.scheduler().drain(DRAIN_MILLIS));
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
    quietly("actito licences", parts::closeActitoLicences);
    quietly("didomi licences", parts::closeDidomiLicences);
    for (BundledSandboxes.Running sandbox : parts.sandboxes()) {
      quietly("sandbox", sandbox::stop);
    }
    quietly("vert.x", vertx::close);
    log.info("consent-gateway stopped");
  }

  private static void quietly(String what, Supplier<Future<?>> step) {
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
    return parts.sandbox(integration, type);
  }

  /** The background pruning of old raw webhooks and history (store.retentionDays). */
  public RetentionPruner retention() {
    return parts.retention();
  }

  public IntegrationDispatch dispatch(String integration) {
    return parts.dispatches().get(integration);
  }
}
