package io.consentgateway.actito;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.support.ActitoSandboxServer;
import io.consentgateway.app.GatewayAssembly;
import io.consentgateway.config.ActitoConfig;
import io.consentgateway.config.MetadataAttributes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ActitoTableCheckTest {

  @Test
  void matchingTableIsReportedOk(Vertx vertx) {
    try (var fixture = ActitoSandboxServer.start(vertx, ActitoSandboxServer.options().setAttributes(List.of("firstName")))) {
      var client = fixture.client(fixture.settings(false));
      var integration = ActitoSandboxServer.integration(ActitoSandboxServer.config(false, ActitoSandboxServer.KEY), MetadataAttributes.ALL);

      CheckReport report = new ActitoTableCheck(vertx, fixture.registry).run(integration, client, List.of("firstName")).await();

      assertThat(report.ok()).isTrue();
      assertThat(CheckReport.exitCode(List.of(report))).isZero();
      assertThat(report.render()).startsWith("OK   integration acme");
    }
  }

  @Test
  void missingSubscriptionUniqueKeyAndMetadataAttributeAreReported(Vertx vertx) {
    var options = ActitoSandboxServer.options().setUniqueKey("email").setSubscriptions(List.of("Newsletter"));
    try (var fixture = ActitoSandboxServer.start(vertx, options)) {
      var client = fixture.client(fixture.settings(false));
      var integration = ActitoSandboxServer.integration(ActitoSandboxServer.config(false, ActitoSandboxServer.KEY), MetadataAttributes.ALL);

      CheckReport report = new ActitoTableCheck(vertx, fixture.registry).run(integration, client, List.of("city")).await();

      assertThat(report.ok()).isFalse();
      assertThat(CheckReport.exitCode(List.of(report))).isEqualTo(1);
      assertThat(report.lines()).contains(
          "table Customers lacks the unique key attribute customerId",
          "table Customers lacks the mapped subscription SmsOffers",
          "table Customers has no attribute for metadata key city");
    }
  }

  @Test
  void theCheckTellsWhichProfileApiTheAccountAnswers(Vertx vertx) {
    // an account past the end of service of the V4 profile calls
    try (var fixture = ActitoSandboxServer.start(vertx, ActitoSandboxServer.options().setV4Enabled(false))) {
      var client = fixture.client(fixture.settings(false));
      var v4 = ActitoSandboxServer.config(false, ActitoSandboxServer.KEY);
      var v5 = new ActitoConfig(v4.baseUrl(), v4.apiKey(), v4.entity(), v4.table(), v4.userUniqueKey(), v4.upsertMode(),
          v4.maxConcurrency(), v4.callsPerMinute(), v4.timeoutMs(), v4.breakerResetMs(), ActitoConfig.ApiVersion.V5);

      CheckReport onV5 = new ActitoTableCheck(vertx, fixture.registry)
          .run(ActitoSandboxServer.integration(v5, MetadataAttributes.NONE), client, List.of()).await();
      CheckReport onV4 = new ActitoTableCheck(vertx, fixture.registry)
          .run(ActitoSandboxServer.integration(v4, MetadataAttributes.NONE), client, List.of()).await();

      assertThat(onV5.ok()).as(onV5.render()).isTrue();
      assertThat(onV5.lines()).contains("the account answers the v5 profile API (apiVersion: v5)",
          "the account does not answer the v4 profile API: status 410");
      assertThat(onV4.ok()).as(onV4.render()).isFalse();
      assertThat(onV4.lines()).contains("the account answers the v5 profile API",
          "the account does not answer the v4 profile API that apiVersion names: status 410");
    }
  }

  @Test
  void refusedKeyIsReportedClearly(Vertx vertx) {
    try (var fixture = ActitoSandboxServer.start(vertx, ActitoSandboxServer.options())) {
      var client = fixture.client(ActitoClientSettings.from("acme", ActitoSandboxServer.config(false, "nope"))
          .withBaseUrl(fixture.sandbox.baseUrl()));
      var integration = ActitoSandboxServer.integration(ActitoSandboxServer.config(false, "nope"), MetadataAttributes.NONE);

      CheckReport report = new ActitoTableCheck(vertx, fixture.registry).run(integration, client, List.of()).await();

      assertThat(report.ok()).isFalse();
      assertThat(report.lines()).singleElement().asString().startsWith("cannot authenticate to Actito")
          .contains("401").doesNotContain("nope");
    }
  }

  @Test
  void sandboxBaseUrlChecksAgainstAnInProcessSandbox(Vertx vertx) {
    var integration = ActitoSandboxServer.integration(ActitoSandboxServer.config(false, ActitoSandboxServer.KEY),
        MetadataAttributes.only(List.of("city")));

    CheckReport report = GatewayAssembly.tableCheck(vertx, new SimpleMeterRegistry()).run(integration).await();

    assertThat(report.ok()).as(report.render()).isTrue();
  }
}
