package io.consentgateway.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.consentgateway.config.ActitoConfig;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.IntegrationConfig.BidirectionalConfig;
import io.consentgateway.config.IntegrationConfig.DidomiConfig;
import io.consentgateway.config.IntegrationConfig.DispatchConfig;
import io.consentgateway.config.IntegrationConfig.OnUserDeleted;
import io.consentgateway.config.MetadataAttributes;
import io.consentgateway.config.Secret;
import io.consentgateway.config.SubscriptionMapping;
import io.consentgateway.mapping.ConsentMapper;
import io.consentgateway.mapping.ConsentState;
import io.consentgateway.webhook.DidomiChange;
import io.consentgateway.webhook.DidomiWebhookParser;
import io.consentgateway.mapping.FieldChanges;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Didomi → Actito hot path (docs/design.md §4, ConsentMapper): webhook bytes → {@link DidomiChange}
 * → merged {@link ConsentState} → Actito request body bytes, stage by stage and whole, against a
 * baseline of Jackson {@code readTree} of the same bytes. The merge starts from an empty state (a
 * user's first change), so the Actito body carries every field: the largest body for the payload.
 *
 * <p>Payloads: {@code small} one purpose, no metadata; {@code typical} the example {@code
 * didomi/event.created.json} (three purposes, one with a preference, three metadata keys); {@code
 * large} 50 purposes (25 with a preference selection) and 30 metadata keys.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 1)
public class MappingHotPathBenchmark {

  @Param({"small", "typical", "large"})
  public String payload;

  private byte[] body;
  private ObjectMapper objectMapper;
  private DidomiWebhookParser parser;
  private ConsentMapper mapper;
  private DidomiChange change;
  private FieldChanges fieldChanges;
  private ConsentState merged;
  private ConsentState acknowledged;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    objectMapper = new ObjectMapper();
    parser = new DidomiWebhookParser();
    switch (payload) {
      case "small" -> {
        body = smallEvent();
        mapper = new ConsentMapper(integration(List.of(new SubscriptionMapping("Newsletter", "newsletter", null, null))));
      }
      case "typical" -> {
        body = Files.readAllBytes(fixtures().resolve("didomi/event.created.json"));
        mapper = new ConsentMapper(integration(List.of(
            new SubscriptionMapping("Newsletter", "newsletter", null, null),
            new SubscriptionMapping("SmsOffers", "marketing", "channels", "sms"),
            new SubscriptionMapping("EmailOffers", "marketing", "channels", "email"))));
      }
      case "large" -> {
        body = largeEvent();
        List<SubscriptionMapping> mappings = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          mappings.add(new SubscriptionMapping("Purpose" + i, "purpose_" + i, null, null));
          if (i % 2 == 0) {
            mappings.add(new SubscriptionMapping("Purpose" + i + "Sms", "purpose_" + i, "channels", "sms"));
          }
        }
        mapper = new ConsentMapper(integration(mappings));
      }
      default -> throw new IllegalArgumentException(payload);
    }
    acknowledged = ConsentState.empty();
    change = parser.parse(body);
    fieldChanges = mapper.changesFor(change);
    merged = ConsentState.empty();
    merged.merge(fieldChanges);
    if (fieldChanges.isEmpty() || mapper.updateFor(merged, acknowledged).isEmpty()) {
      throw new IllegalStateException("payload '" + payload + "' maps to nothing: the benchmark would measure nothing");
    }
  }

  /** Baseline: Jackson's tree parse of the same bytes. */
  @Benchmark
  public JsonNode baselineReadTree() throws IOException {
    return objectMapper.readTree(body);
  }

  @Benchmark
  public DidomiChange parse() {
    return parser.parse(body);
  }

  @Benchmark
  public FieldChanges map() {
    return mapper.changesFor(change);
  }

  @Benchmark
  public ConsentState merge() {
    ConsentState state = ConsentState.empty();
    state.merge(fieldChanges);
    return state;
  }

  @Benchmark
  public byte[] serialize() {
    return mapper.updateFor(merged, acknowledged).toJson();
  }

  /** The whole hot path: bytes in, Actito body bytes out. */
  @Benchmark
  public byte[] hotPath() {
    DidomiChange parsed = parser.parse(body);
    ConsentState state = ConsentState.empty();
    state.merge(mapper.changesFor(parsed));
    return mapper.updateFor(state, acknowledged).toJson();
  }

  private static Path fixtures() {
    Path dir = Path.of(System.getProperty("examples.dir", "examples"));
    if (!Files.isDirectory(dir.resolve("didomi"))) {
      throw new IllegalStateException("no examples at " + dir.toAbsolutePath()
          + ": run from the checkout root or pass -Dexamples.dir=/path/to/examples");
    }
    return dir;
  }

  private static IntegrationConfig integration(List<SubscriptionMapping> mappings) {
    return new IntegrationConfig(
        "acme",
        new DidomiConfig("acme-org", "gdpr"),
        new ActitoConfig(ActitoConfig.SANDBOX, Secret.empty(), "acme", "Customers", "customerId", false, 5, 100, 10_000),
        mappings,
        MetadataAttributes.ALL,
        OnUserDeleted.IGNORE,
        new DispatchConfig(25, 86_400, 1_000, 3_600_000, 64),
        new BidirectionalConfig(false, "X-Authorization", Secret.empty(), "https://api.didomi.io", Secret.empty(), Secret.empty()));
  }

  private static byte[] smallEvent() {
    return """
        {"type":"event.created","parameters":{"entity":{"id":"e1c0a7f2-6b3d-4f8e-9a21-0c5d7e3b4a10",
        "organization_id":"acme-org","created_at":"2026-11-20T09:15:02.120Z","status":"confirmed",
        "user":{"id":"5f1c2b7e-7d3a-4d6e-9c55-1a2b3c4d5e6f","organization_user_id":"ann.martin@example.com"},
        "consents":{"purposes":[{"id":"newsletter","enabled":true}]}}}}"""
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] largeEvent() {
    StringBuilder json = new StringBuilder("""
        {"type":"user.updated","parameters":{"source":{"id":"chg-5c71d09a","created_at":"2026-11-22T18:40:10Z"},
        "new_entity":{"id":"5f1c2b7e-7d3a-4d6e-9c55-1a2b3c4d5e6f","organization_id":"acme-org",
        "organization_user_id":"ann.martin@example.com","organization_user_id_type":"email","version":4,
        "created_at":"2026-10-01T08:00:00Z","updated_at":"2026-11-22T18:40:10Z","country":"FR","metadata":{""");
    for (int i = 0; i < 30; i++) {
      if (i > 0) {
        json.append(',');
      }
      json.append("\"attribute_").append(i).append("\":");
      switch (i % 3) {
        case 0 -> json.append("\"value number ").append(i).append('"');
        case 1 -> json.append(1000 + i * 7);
        default -> json.append(i % 2 == 0);
      }
    }
    json.append("},\"consents\":{\"purposes\":[");
    for (int i = 0; i < 50; i++) {
      if (i > 0) {
        json.append(',');
      }
      json.append("{\"id\":\"purpose_").append(i).append("\",\"enabled\":").append(i % 3 != 0);
      if (i % 2 == 0) {
        json.append(",\"values\":{\"channels\":{\"value\":\"email,sms\"}}");
      }
      json.append('}');
    }
    json.append("],\"vendors\":{\"enabled\":[],\"disabled\":[],\"enabled_li\":[],\"disabled_li\":[]}}}}}");
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }
}
