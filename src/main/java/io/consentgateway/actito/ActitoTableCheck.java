package io.consentgateway.actito;

import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.MetadataAttributes;
import io.consentgateway.config.SubscriptionMapping;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The start-up check behind {@code consent-gateway check}: for one integration it fetches a token
 * and the entity's table structure, then reports what the configured table lacks — the table
 * itself, the unique key attribute (or its {@code unique} flag), the mapped subscriptions, and
 * attributes for the metadata keys to copy. {@code baseUrl: sandbox} checks against a sandbox
 * started for the occasion by the {@link Sandboxes} it was given (the application wires the
 * bundled one). The future always succeeds; failures are findings in the report.
 */
public final class ActitoTableCheck {

  /** Starts an Actito sandbox serving an integration's table, for one check. */
  @FunctionalInterface
  public interface Sandboxes {
    Future<Started> start(IntegrationConfig integration);
  }

  /** A sandbox started for a check: where it listens, and how to stop it once the check is done. */
  public record Started(String baseUrl, Supplier<Future<Void>> stop) {
    public Started {
      Objects.requireNonNull(baseUrl, "baseUrl");
      Objects.requireNonNull(stop, "stop");
    }
  }

  private static final Sandboxes NONE = integration -> Future.failedFuture(
      new IllegalStateException("no sandbox to check 'baseUrl: sandbox' against"));

  private final Vertx vertx;
  private final MeterRegistry registry;
  private final Sandboxes sandboxes;

  /** A check of real Actito tables only. */
  public ActitoTableCheck(Vertx vertx, MeterRegistry registry) {
    this(vertx, registry, NONE);
  }

  /** A check that starts an Actito sandbox with {@code sandboxes} for {@code baseUrl: sandbox}. */
  public ActitoTableCheck(Vertx vertx, MeterRegistry registry, Sandboxes sandboxes) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.sandboxes = Objects.requireNonNull(sandboxes, "sandboxes");
  }

  /** Checks with the metadata keys of a {@code metadataAttributes} list (none for all/none). */
  public Future<CheckReport> run(IntegrationConfig integration) {
    MetadataAttributes metadata = integration.metadataAttributes();
    List<String> keys = metadata != null && metadata.mode() == MetadataAttributes.Mode.LIST
        ? List.copyOf(metadata.keys()) : List.of();
    return run(integration, keys);
  }

  /** Checks, also requiring an attribute for each of {@code metadataKeys}. */
  public Future<CheckReport> run(IntegrationConfig integration, Collection<String> metadataKeys) {
    var settings = ActitoClientSettings.from(integration.id(), integration.actito());
    if (!integration.actito().usesSandbox()) {
      var client = new ActitoClient(vertx, settings, registry);
      return run(integration, client, metadataKeys).eventually(client::close);
    }
    return sandboxes.start(integration).compose(sandbox -> {
      var client = new ActitoClient(vertx, settings.withBaseUrl(sandbox.baseUrl()), registry);
      return run(integration, client, metadataKeys).eventually(() -> client.close().eventually(sandbox.stop()));
    });
  }

  /** Checks through an existing client of that integration's licence. */
  public Future<CheckReport> run(IntegrationConfig integration, ActitoClient client, Collection<String> metadataKeys) {
    String id = integration.id();
    var actito = integration.actito();
    return client.authenticate()
        .compose(v -> client.tableStructure())
        .map(structure -> report(integration, structure, metadataKeys))
        .compose(report -> versions(integration, client, report))
        .recover(err -> Future.succeededFuture(new CheckReport(id, false, List.of(
            (err instanceof RemoteCallException e && e.kind() == RemoteCallException.Kind.AUTH_FAILED
                ? "cannot authenticate to Actito at " + actito.baseUrl() + ": "
                : "cannot read the table structure of entity " + actito.entity() + ": ")
                + err.getMessage()))));
  }

  // the key no profile has: a look-up of it answers 404 from an API that is served
  static final String PROBE_KEY = "consent-gateway-version-probe";

  /**
   * Which profile API versions the account answers: one look-up each of a key no profile has (404
   * = served; 410 or another failure = not). The report fails when the configured version is not.
   */
  private static Future<CheckReport> versions(IntegrationConfig integration, ActitoClient client, CheckReport report) {
    Future<String> v5 = answer(client.lookupV5(PROBE_KEY, List.of()));
    Future<String> v4 = answer(client.lookup(PROBE_KEY));
    return Future.join(v5, v4).transform(done -> {
      var lines = new ArrayList<>(report.lines());
      boolean ok = report.ok();
      String configured = integration.actito().apiVersion().label();
      for (var probe : List.of(Map.entry("v5", v5), Map.entry("v4", v4))) {
        String problem = probe.getValue().result();
        boolean mine = probe.getKey().equals(configured);
        if (problem == null) {
          lines.add("the account answers the " + probe.getKey() + " profile API" + (mine ? " (apiVersion: " + configured + ")" : ""));
        } else if (mine) {
          ok = false;
          lines.add("the account does not answer the " + probe.getKey() + " profile API that apiVersion names: " + problem);
        } else {
          lines.add("the account does not answer the " + probe.getKey() + " profile API: " + problem);
        }
      }
      return Future.succeededFuture(new CheckReport(report.integrationId(), ok, lines));
    });
  }

  // null when the API answered (a profile, or 404 for none), else what it answered
  private static Future<String> answer(Future<Optional<ActitoProfile>> lookup) {
    return lookup.transform(done -> Future.succeededFuture(done.succeeded() ? null
        : done.cause() instanceof RemoteCallException e && e.status() > 0 ? "status " + e.status()
        : String.valueOf(done.cause().getMessage())));
  }

  private static CheckReport report(IntegrationConfig integration, JsonObject structure, Collection<String> metadataKeys) {
    var actito = integration.actito();
    var problems = new ArrayList<String>();
    TableStructure table = TableStructure.find(structure, actito.table()).orElse(null);
    if (table == null) {
      return new CheckReport(integration.id(), false, List.of("entity " + actito.entity() + " has no profile table "
          + actito.table() + " (tables: " + String.join(", ", TableStructure.tableNames(structure)) + ")"));
    }
    Map<String, JsonObject> attributes = table.attributes();
    Set<String> subscriptions = table.subscriptions();

    JsonObject key = attributes.get(actito.userUniqueKey());
    if (key == null) {
      problems.add("table " + actito.table() + " lacks the unique key attribute " + actito.userUniqueKey());
    } else if (!key.getBoolean("unique", false)) {
      problems.add("attribute " + actito.userUniqueKey() + " of table " + actito.table()
          + " is not unique: profiles cannot be matched by it");
    }
    var mapped = new LinkedHashSet<String>();
    for (SubscriptionMapping mapping : integration.mappings()) {
      mapped.add(mapping.subscription());
    }
    for (String subscription : mapped) {
      if (!subscriptions.contains(subscription)) {
        problems.add("table " + actito.table() + " lacks the mapped subscription " + subscription);
      }
    }
    for (String metadataKey : metadataKeys) {
      if (!attributes.containsKey(metadataKey)) {
        problems.add("table " + actito.table() + " has no attribute for metadata key " + metadataKey);
      }
    }
    var lines = new ArrayList<String>();
    if (problems.isEmpty()) {
      lines.add("token obtained; table " + actito.table() + " of entity " + actito.entity() + " has unique key "
          + actito.userUniqueKey() + ", " + mapped.size() + " mapped subscription(s) and "
          + metadataKeys.size() + " metadata attribute(s)");
    }
    lines.addAll(problems);
    return new CheckReport(integration.id(), problems.isEmpty(), lines);
  }
}
