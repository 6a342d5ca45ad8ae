package io.consentgateway.didomi;

import io.consentgateway.support.TestIntegrations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgateway.config.Secret;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class DidomiLicencesTest {

  private static DidomiClientSettings settings(String id, String key, String secret, int concurrency) {
    var defaults = DidomiClientSettings.from(TestIntegrations.bidirectional("http://127.0.0.1:1"));
    return new DidomiClientSettings(id, defaults.baseUrl(), Secret.of(key), Secret.of(secret), concurrency,
        defaults.callsPerWindow(), defaults.rateWindow(), defaults.timeout(), defaults.maxQueued(),
        defaults.breakerMaxFailures(), defaults.breakerResetTimeout(), defaults.tokenRefreshMargin(),
        defaults.authRetryInterval(), Duration.ofMinutes(id.length()));
  }

  @Test
  void integrationsWritingBackWithOneKeyShareOneLicencePacedToTheLowestLimits(Vertx vertx) {
    var licences = new DidomiLicences(vertx, List.of(
        settings("acme", "key-1", "secret", 5),
        settings("globex", "key-1", "secret", 2),
        settings("initech", "key-2", "other", 5)), new SimpleMeterRegistry(), Clock.systemUTC());
    try {
      assertThat(licences.licences()).hasSize(2);
      assertThat(licences.licenceOf("globex")).isSameAs(licences.licenceOf("acme"));
      assertThat(licences.client("acme").gate()).isSameAs(licences.client("globex").gate());
      assertThat(licences.licenceOf("acme").settings().maxConcurrency()).isEqualTo(2);
      assertThat(licences.licenceOf("acme").settings().maxBackoff()).isEqualTo(Duration.ofMinutes(4));
      assertThat(licences.licenceOf("acme").licence().integrations()).containsExactly("acme", "globex");
    } finally {
      licences.close();
    }
  }

  @Test
  void oneKeyWithTwoSecretsIsAConfigurationError(Vertx vertx) {
    assertThatThrownBy(() -> new DidomiLicences(vertx, List.of(
        settings("acme", "key-1", "secret", 5),
        settings("globex", "key-1", "another", 5)), new SimpleMeterRegistry(), Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("different secrets")
        .hasMessageNotContaining("another");
  }
}
