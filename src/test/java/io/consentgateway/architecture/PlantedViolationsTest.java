package io.consentgateway.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each architecture rule fails on a violation planted for it (the classes of {@code planted}):
 * a rule that cannot fail would hold nothing.
 */
class PlantedViolationsTest {

  private static final String ROOT = "io.consentgateway.architecture.planted";

  /** Rule → the planted class its violation must name. */
  private static final Map<String, String> PLANTED = Map.of(
      "mapping and webhook are plain Java", ROOT + ".mapping.MergeOnTheEventLoop",
      "ingest never reaches an outbound client", ROOT + ".ingest.HandlerThatCallsActito",
      "the store knows neither HTTP side", ROOT + ".store.StoreThatAnswersHttp",
      "only app reaches the sandboxes", ROOT + ".alpha.UsesTheSandbox",
      "no package cycles", ROOT + ".beta.CallsBack");

  @Test
  void everyRuleFailsOnItsPlantedViolation() {
    JavaClasses planted = new ClassFileImporter().importPackages(ROOT);
    ArchitectureRules.under(ROOT).forEach((name, rule) -> {
      EvaluationResult result = rule.evaluate(planted);
      assertThat(result.hasViolation()).as("rule '%s' on its planted violation", name).isTrue();
      assertThat(String.join("\n", result.getFailureReport().getDetails()))
          .as("rule '%s' names the planted class", name).contains(PLANTED.get(name));
    });
    assertThat(PLANTED.keySet()).as("a planted violation for every rule")
        .containsExactlyInAnyOrderElementsOf(ArchitectureRules.under(ROOT).keySet());
  }

  @Test
  void theParserRuleAlsoCoversWebhook() {
    JavaClasses planted = new ClassFileImporter().importPackages(ROOT + ".webhook");
    EvaluationResult result = ArchitectureRules.under(ROOT).get("mapping and webhook are plain Java").evaluate(planted);
    assertThat(String.join("\n", result.getFailureReport().getDetails())).contains("ParserWithJsonObject");
  }
}
