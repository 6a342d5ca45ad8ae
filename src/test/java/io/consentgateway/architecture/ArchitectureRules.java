package io.consentgateway.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.lang.ArchRule;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The package rules that make the gateway's architecture, for the classes under {@code root}:
 * {@code io.consentgateway} for the product ({@link ArchitectureTest}), a package of planted
 * violations to show that each rule can fail ({@link PlantedViolationsTest}).
 */
final class ArchitectureRules {

  private ArchitectureRules() {}

  /** Rule name → rule, in the order the design states them. */
  static Map<String, ArchRule> under(String root) {
    Map<String, ArchRule> rules = new LinkedHashMap<>();
    rules.put("mapping and webhook are plain Java", noClasses()
        .that().resideInAnyPackage(root + ".mapping..", root + ".webhook..")
        .should().dependOnClassesThat().resideInAPackage("io.vertx..")
        .because("the hot path and the merge rules run (and are tested, and benchmarked) without Vert.x"));
    rules.put("ingest never reaches an outbound client", noClasses()
        .that().resideInAPackage(root + ".ingest..")
        .should().dependOnClassesThat().resideInAnyPackage(root + ".actito..", root + ".didomi..", root + ".remote..",
            root + ".dispatch..")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("io.vertx.core.http.HttpClient")
        .orShould().dependOnClassesThat().resideInAPackage("io.vertx.ext.web.client..")
        .because("a webhook is acknowledged once stored, never after a call to Actito or Didomi"));
    rules.put("the store knows neither HTTP side", noClasses()
        .that().resideInAPackage(root + ".store..")
        .should().dependOnClassesThat().resideInAnyPackage(root + ".ingest..", root + ".admin..", root + ".http..",
            root + ".auth..", root + ".actito..", root + ".didomi..", root + ".remote..", root + ".dispatch..",
            root + ".app..", "io.vertx.core.http..", "io.vertx.ext.web..")
        .because("a store only loads, locks and saves; a second store (PostgreSQL) must not drag HTTP in"));
    rules.put("only app reaches the sandboxes", noClasses()
        .that().resideOutsideOfPackages(root + ".app..", root + ".sandbox..")
        .should().dependOnClassesThat().resideInAPackage(root + ".sandbox..")
        .because("the sandboxes are stand-ins for the quick start and tests, not part of the product's paths"));
    rules.put("no package cycles", slices().matching(root + ".(*)..").should().beFreeOfCycles());
    return rules;
  }
}
