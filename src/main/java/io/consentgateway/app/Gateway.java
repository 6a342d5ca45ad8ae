package io.consentgateway.app;

import io.consentgateway.admin.AdminVerticle;
import io.consentgateway.config.GatewayConfig;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.Secret;
import io.consentgateway.ingest.IngestMetrics;
import io.consentgateway.ingest.IngestVerticle;
import io.consentgateway.mapping.ConsentMapper;
import io.consentgateway.mapping.DidomiWebhookParser;
import io.consentgateway.store.ConsentStore;
import io.consentgateway.store.sqlite.SqliteConsentStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: its Vert.x instance, metrics registry, store and verticles. {@link #start}
 * opens the store, deploys the admin and ingest verticles, and only then reports ready; {@link
 * #stop} undoes it in the order that loses nothing (stop accepting, finish in-flight requests, flush
 * the last commit, close the store).
 */
public final class Gateway {

  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private final GatewayConfig config;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final ConsentStore store;
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
    Set<String> integrationIds =
        config.integrations().stream().map(IntegrationConfig::id).collect(Collectors.toUnmodifiableSet());
    IngestMetrics ingestMetrics = new IngestMetrics(registry, integrationIds);
    DidomiWebhookParser parser = new DidomiWebhookParser();
    Map<String, ConsentMapper> mappers = new HashMap<>();
    for (IntegrationConfig integration : config.integrations()) {
      mappers.put(integration.id(), new ConsentMapper(integration));
    }
    Secret key = signingKey;
    AdminVerticle admin = new AdminVerticle(config.admin(), registry, this::readiness, router -> {});
    int instances = config.server().effectiveInstances();
    return vertx.deployVerticle(admin)
        .compose(id -> {
          adminPort = admin.actualPort();
          IngestVerticle[] first = new IngestVerticle[1];
          return vertx.deployVerticle(() -> {
                IngestVerticle verticle = new IngestVerticle(config, key, store, ingestMetrics, parser, mappers);
                if (first[0] == null) {
                  first[0] = verticle;
                }
                return verticle;
              }, new DeploymentOptions().setInstances(instances))
              .map(deployment -> {
                ingestDeployment = deployment;
                ingestPort = first[0].actualPort();
                return null;
              });
        })
        .map(v -> {
          ready = true;
          log.info("consent-gateway ready: webhooks on {}:{} ({} ingest verticles), admin on {}:{}",
              config.server().host(), ingestPort, instances, config.admin().host(), adminPort);
          return null;
        });
  }

  private JsonObject readiness() {
    boolean storeOpen = store.isOpen();
    boolean up = ready && !stopping && storeOpen;
    return new JsonObject()
        .put("status", up ? "UP" : "DOWN")
        .put("store", storeOpen ? "open" : "closed")
        .put("deployed", ready)
        .put("stopping", stopping);
  }

  /**
   * Graceful stop, blocking: stop accepting webhooks and let in-flight ones finish, flush and close
   * the store, close Vert.x. Safe to call twice.
   */
  public synchronized void stop() {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info("consent-gateway stopping");
    try {
      if (ingestDeployment != null) {
        vertx.undeploy(ingestDeployment).await(30, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      log.warn("ingest did not stop cleanly: {}", e.getMessage());
    }
    try {
      store.close().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("store did not close cleanly: {}", e.getMessage());
    }
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("vert.x did not close cleanly: {}", e.getMessage());
    }
    log.info("consent-gateway stopped");
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
}
