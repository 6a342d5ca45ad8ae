package io.consentgateway.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The product's classes (tests left out) keep every rule of {@link ArchitectureRules}. */
class ArchitectureTest {

  private static JavaClasses product;

  @BeforeAll
  static void importProduct() {
    product = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
        .importPackages("io.consentgateway");
  }

  @TestFactory
  Stream<DynamicTest> theProductKeepsEveryRule() {
    Map<String, ArchRule> rules = ArchitectureRules.under("io.consentgateway");
    return rules.entrySet().stream()
        .map(rule -> DynamicTest.dynamicTest(rule.getKey(), () -> rule.getValue().check(product)));
  }
}
