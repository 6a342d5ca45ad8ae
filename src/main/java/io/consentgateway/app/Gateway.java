package io.consentgateway.app;

import io.consentgateway.actito.ActitoClient;
import io.consentgateway.actito.ActitoClientSettings;
import io.consentgateway.admin.AdminVerticle;
import io.consentgateway.admin.OperatorApi;
import io.consentgateway.config.ActitoConfig;
import io.consentgateway.config.GatewayConfig;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.Secret;
import io.consentgateway.dispatch.DispatchScheduler;
import io.consentgateway.dispatch.DispatchVerticle;
import io.consentgateway.dispatch.IntegrationDispatch;
import io.consentgateway.ingest.IngestMetrics;
import io.consentgateway.ingest.IngestVerticle;
import io.consentgateway.mapping.ConsentMapper;
import io.consentgateway.mapping.DidomiWebhookParser;
import io.consentgateway.sandbox.actito.ActitoSandbox;
import io.consentgateway.sandbox.actito.SandboxOptions;
import io.consentgateway.store.ClaimedUser;
import io.consentgateway.store.ConsentStore;
import io.consentgateway.store.sqlite.SqliteConsentStore;
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
 * One running gateway: its Vert.x instance, metrics registry, store, Actito clients (and sandboxes)
 * and verticles. {@link #start} opens the store, deploys everything and only then reports ready;
 * {@link #stop} undoes it in the order that loses nothing: stop accepting webhooks, let in-flight
 * requests and Actito calls finish (bounded), flush the last commit, close the store.
 */
public final class Gateway {

  private static final Logger log = LoggerFactory.getLogger(Gateway.class);
  private static final long DRAIN_MILLIS = 10_000;

  private final GatewayConfig config;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final ConsentStore store;
  private final Map<String, ActitoSandbox> sandboxes = new LinkedHashMap<>();
  private final Map<String, IntegrationDispatch> dispatches = new LinkedHashMap<>();
  private final List<String> deployments = new ArrayList<>();
  private DispatchScheduler scheduler;
  private volatile boolean ready;
  private volatile boolean stopping;
  private String ingestDeployment;
  private int ingestPort;
  private int adminPort;

  private Gateway(GatewayConfig config, Vertx vertx, PrometheusMeterRegistry registry, ConsentStore store) {
    this.config = config;
    this.vertx = vertx;
    this.registry = registry;
    this.store = store;
  }

  /** Starts a gateway; blocking, for {@code main} and tests (never call it on an event loop). */
  public static Gateway start(GatewayConfig config) {
    Objects.requireNonNull(config, "config");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(true)
            .addLabels(Label.LOCAL, Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE)))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    ConsentStore store;
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
    vertx.eventBus().registerDefaultCodec(ClaimedUser.class, new io.consentgateway.dispatch.LocalCodecs.ClaimedUserCodec());

    return startActitoClients(mappers)
        .compose(v -> {
          scheduler = new DispatchScheduler(dispatches, store);
          AdminVerticle admin = new AdminVerticle(config.admin(), registry, this::readiness,
              new OperatorApi(store, dispatches, scheduler));
          return vertx.deployVerticle(admin).map(id -> {
            deployments.add(id);
            adminPort = admin.actualPort();
            return null;
          });
        })
        .compose(v -> {
          int[] index = {0};
          return vertx.deployVerticle(() -> new DispatchVerticle(dispatches, index[0]++, cores),
              new DeploymentOptions().setInstances(cores));
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
        .map(v -> {
          ready = true;
          log.info("consent-gateway ready: webhooks on {}:{} ({} ingest verticles), admin on {}:{}",
              config.server().host(), ingestPort, cores, config.admin().host(), adminPort);
          return null;
        });
  }

  private Future<Void> startActitoClients(Map<String, ConsentMapper> mappers) {
    Future<Void> chain = Future.succeededFuture();
    for (IntegrationConfig integration : config.integrations()) {
      chain = chain.compose(v -> actitoBaseUrl(integration)).map(baseUrl -> {
        ActitoClient client = new ActitoClient(vertx,
            ActitoClientSettings.from(integration.id(), integration.actito()).withBaseUrl(baseUrl), registry);
        dispatches.put(integration.id(),
            new IntegrationDispatch(integration, mappers.get(integration.id()), client, store, registry));
        return null;
      });
    }
    return chain;
  }

  private Future<String> actitoBaseUrl(IntegrationConfig integration) {
    ActitoConfig actito = integration.actito();
    if (!actito.usesSandbox()) {
      return Future.succeededFuture(actito.baseUrl());
    }
    SandboxOptions options = SandboxOptions.forIntegration(integration).setPort(actito.sandboxPort());
    return ActitoSandbox.start(vertx, options).map(sandbox -> {
      sandboxes.put(integration.id(), sandbox);
      log.warn("integration {}: no real Actito configured, using the bundled Actito sandbox at {}",
          integration.id(), sandbox.baseUrl());
      return sandbox.baseUrl();
    });
  }

  private JsonObject readiness() {
    boolean storeOpen = store.isOpen();
    boolean up = ready && !stopping && storeOpen;
    JsonArray integrations = new JsonArray();
    dispatches.values().forEach(d -> integrations.add(d.client().health().toJson().put("paused", d.paused())));
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
    quietly("store", store::close);
    for (IntegrationDispatch dispatch : dispatches.values()) {
      quietly("actito client", () -> dispatch.client().close());
    }
    for (ActitoSandbox sandbox : sandboxes.values()) {
      quietly("sandbox", sandbox::stop);
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

  /** The bundled sandbox serving an integration, when its {@code baseUrl} is {@code sandbox}. */
  public ActitoSandbox sandbox(String integration) {
    return sandboxes.get(integration);
  }

  public IntegrationDispatch dispatch(String integration) {
    return dispatches.get(integration);
  }
}
