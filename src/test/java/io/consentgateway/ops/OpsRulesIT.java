package io.consentgateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.consentgateway.ops.PromQlSelectors.Selector;
import io.consentgateway.support.DidomiPayloads;
import io.consentgateway.support.GatewayHttp;
import io.consentgateway.support.GatewayProcess;
import io.consentgateway.support.TestConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alerting rules and the dashboard in ops/ name only metrics the packaged gateway exports, with
 * labels it puts on them: a renamed meter, a typo or a dropped label fails the build instead of
 * leaving an alert that can never fire or an empty panel.
 *
 * <p>Some meters only exist once something happened (a call, an outcome, a dead letter), so before
 * scraping, the gateway is driven through each: Didomi webhooks accepted, redelivered and refused, a
 * change delivered to the bundled Actito sandbox, one Actito refuses (a dead letter), and a change
 * made in Actito written back to the bundled Didomi sandbox. {@code up} is the one series the rules
 * use that Prometheus, not the gateway, records.
 */
class OpsRulesIT {

  private static final Path RULES = Path.of("ops/prometheus/consent-gateway.rules.yml");
  private static final Path DASHBOARD = Path.of("ops/grafana/consent-gateway.json");
  private static final Set<String> RECORDED_BY_PROMETHEUS = Set.of("up");
  private static final Set<String> ADDED_BY_PROMETHEUS = Set.of("job", "instance");
  private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern SAMPLE = Pattern.compile("^([A-Za-z_:][A-Za-z0-9_:]*)(?:\\{(.*)})?\\s");
  private static final Pattern SAMPLE_LABEL = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\)\\s*$");

  @TempDir static Path dir;
  private static GatewayProcess gateway;
  /** metric name (as sampled: with _total, _bucket...) → the label names its samples carry */
  private static Map<String, Set<String>> exported;

  @BeforeAll
  static void startAndDriveTheGateway() throws Exception {
    int actitoPort = TestConfig.freePort();
    int didomiPort = TestConfig.freePort();
    TestConfig config = new TestConfig(dir).actito("sandbox:" + actitoPort, true).integrationExtras("""
        bidirectional:
          enabled: true
          webhookSecret: ops-webhook-secret
          didomiApi: { baseUrl: "sandbox:%d", apiKey: ops-didomi-key, apiSecret: ops-didomi-secret }
        """.formatted(didomiPort));
    gateway = GatewayProcess.start(config, dir, Map.of());
    GatewayHttp http = new GatewayHttp(config.port());
    GatewayHttp admin = new GatewayHttp(config.adminPort());
    String token = http.token();
    String delivered = "ops-delivered@example.com";

    // webhooks accepted, redelivered, refused; the first reaches Actito
    String webhook = DidomiPayloads.eventCreated("ops-evt-1", delivered, "2026-11-20T09:00:00Z", true);
    assertThat(http.postDidomi("acme", token, webhook).statusCode()).isEqualTo(202);
    assertThat(http.postDidomi("acme", token, webhook).statusCode()).isEqualTo(200);
    assertThat(http.postDidomi("acme", null, webhook).statusCode()).isEqualTo(401);
    awaitScraped(admin, "gateway_dispatch_outcomes_total", "outcome=\"delivered\"");

    // a change Actito refuses becomes a dead letter
    send(actitoPort, "POST", "/_sandbox/faults", "{\"status\": 400, \"pathContains\": \"/profile\"}");
    http.postDidomi("acme", token, DidomiPayloads.eventCreated("ops-evt-2", "ops-refused@example.com", "2026-11-20T09:00:00Z", true));
    awaitScraped(admin, "gateway_dispatch_dead_letters_total", "");
    send(actitoPort, "DELETE", "/_sandbox/faults", "");

    // a user unsubscribing in Actito: the Actito sandbox calls the gateway, which writes to Didomi
    send(actitoPort, "POST", "/_sandbox/profiles/" + delivered + "/subscriptions",
        "{\"subscriptions\": [{\"name\": \"Newsletter\", \"subscribe\": false}]}");
    awaitScraped(admin, "gateway_writeback_outcomes_total", "outcome=\"written\"");
    awaitScraped(admin, "didomi_call_duration_seconds_bucket", "");

    exported = exportedMetrics(admin.get("/metrics").body());
  }

  @AfterAll
  static void stopTheGateway() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void everyMetricTheAlertingRulesUseIsExported() throws IOException {
    Map<String, String> expressions = new LinkedHashMap<>();
    for (JsonNode rule : rules()) {
      expressions.put("rule " + rule.path("alert").asText(rule.path("record").asText()), rule.path("expr").asText());
    }

    assertThat(expressions).as("expressions in %s", RULES).isNotEmpty();
    assertThat(problems(expressions)).as("metrics %s uses that the gateway does not export", RULES).isEmpty();
  }

  @Test
  void everyMetricTheDashboardUsesIsExported() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    Map<String, String> expressions = new LinkedHashMap<>();
    List<JsonNode> panels = new ArrayList<>();
    collectPanels(dashboard.path("panels"), panels);
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        expressions.put("panel '" + panel.path("title").asText() + "' " + target.path("refId").asText(),
            target.path("expr").asText());
      }
    }
    List<String> problems = new ArrayList<>(problems(expressions));
    // template variables: label_values(selector, label) must find that label on that metric
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (!variable.path("type").asText().equals("query")) {
        continue;
      }
      String query = variable.path("query").isObject()
          ? variable.path("query").path("query").asText() : variable.path("query").asText();
      Matcher labelValues = LABEL_VALUES.matcher(query);
      assertThat(labelValues.matches()).as("variable %s: a label_values query, not %s", variable.path("name"), query).isTrue();
      Map<String, String> selector = Map.of("variable " + variable.path("name").asText(), labelValues.group(1));
      problems.addAll(problems(selector));
      for (Selector s : PromQlSelectors.of(labelValues.group(1))) {
        String label = labelValues.group(2);
        if (!ADDED_BY_PROMETHEUS.contains(label) && !exported.getOrDefault(s.metric(), Set.of()).contains(label)) {
          problems.add("variable " + variable.path("name").asText() + ": " + s.metric() + " has no label " + label);
        }
      }
    }

    assertThat(expressions).as("expressions in %s", DASHBOARD).hasSizeGreaterThan(20);
    assertThat(problems).as("metrics %s uses that the gateway does not export", DASHBOARD).isEmpty();
  }

  @Test
  void everyAlertHasASeveritySummaryDescriptionAndPendingPeriod() throws IOException {
    List<String> problems = new ArrayList<>();
    for (JsonNode rule : rules()) {
      String name = rule.path("alert").asText();
      if (name.isEmpty()) {
        problems.add("a rule without alert name: " + rule);
        continue;
      }
      if (!SEVERITIES.contains(rule.path("labels").path("severity").asText())) {
        problems.add(name + ": severity must be one of " + SEVERITIES);
      }
      if (rule.path("annotations").path("summary").asText().isBlank()
          || rule.path("annotations").path("description").asText().isBlank()) {
        problems.add(name + ": needs a summary and a description");
      }
      if (!rule.has("for")) {
        problems.add(name + ": needs a for: (0m for an event that must page at once)");
      }
    }

    assertThat(problems).isEmpty();
  }

  // ---- the checks ----

  /** What the expressions name that the scrape lacks: a metric, a suffix, or a label. */
  private static List<String> problems(Map<String, String> expressions) {
    List<String> problems = new ArrayList<>();
    expressions.forEach((where, expr) -> {
      for (Selector selector : PromQlSelectors.of(expr)) {
        String metric = selector.metric();
        if (RECORDED_BY_PROMETHEUS.contains(metric)) {
          continue;
        }
        Set<String> labels = exported.get(metric);
        if (labels == null) {
          problems.add(where + ": " + metric + " is not exported" + family(metric));
          continue;
        }
        for (String label : selector.labels()) {
          if (!ADDED_BY_PROMETHEUS.contains(label) && !labels.contains(label)) {
            problems.add(where + ": " + metric + " has no label " + label + " (it has " + new TreeSet<>(labels) + ")");
          }
        }
      }
    });
    return problems;
  }

  /** A hint when the family exists under other suffixes: a timer without histogram has no _bucket. */
  private static String family(String metric) {
    String base = metric.replaceAll("_(bucket|count|sum|max|total|created)$", "");
    Set<String> siblings = new TreeSet<>();
    for (String name : exported.keySet()) {
      if (name.equals(base) || name.startsWith(base + "_") && name.substring(base.length() + 1).matches("bucket|count|sum|max|total|created")) {
        siblings.add(name);
      }
    }
    return siblings.isEmpty() ? "" : " (the gateway exports " + siblings + ")";
  }

  private static List<JsonNode> rules() throws IOException {
    JsonNode file = new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile());
    List<JsonNode> rules = new ArrayList<>();
    file.path("groups").forEach(group -> group.path("rules").forEach(rules::add));
    assertThat(rules).as("rules in %s", RULES).isNotEmpty();
    return rules;
  }

  private static void collectPanels(JsonNode panels, List<JsonNode> into) {
    for (JsonNode panel : panels) {
      into.add(panel);
      collectPanels(panel.path("panels"), into);
    }
  }

  // ---- the gateway ----

  static Map<String, Set<String>> exportedMetrics(String scrape) {
    Map<String, Set<String>> metrics = new TreeMap<>();
    for (String line : scrape.split("\n")) {
      Matcher sample = SAMPLE.matcher(line);
      if (line.startsWith("#") || !sample.find()) {
        continue;
      }
      Set<String> labels = metrics.computeIfAbsent(sample.group(1), name -> new TreeSet<>());
      if (sample.group(2) != null) {
        Matcher label = SAMPLE_LABEL.matcher(sample.group(2));
        while (label.find()) {
          labels.add(label.group(1));
        }
      }
    }
    return metrics;
  }

  private static void awaitScraped(GatewayHttp admin, String metric, String labelFragment) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Pattern line = Pattern.compile("(?m)^" + Pattern.quote(metric) + "[{ ].*" + Pattern.quote(labelFragment));
    String scrape = "";
    while (System.nanoTime() < deadline) {
      scrape = admin.get("/metrics").body();
      if (line.matcher(scrape).find()) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the gateway never exported " + metric + " " + labelFragment + "\n" + gateway.log());
  }

  /** A call to an admin endpoint of a bundled sandbox. */
  private static void send(int sandboxPort, String method, String path, String body) {
    HttpResponse<String> response = new GatewayHttp(sandboxPort).send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sandboxPort + path))
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json")
            .build());
    assertThat(response.statusCode()).as("%s %s: %s", method, path, response.body()).isEqualTo(200);
  }
}
