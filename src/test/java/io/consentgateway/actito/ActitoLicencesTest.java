package io.consentgateway.actito;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.config.ActitoConfig;
import io.consentgateway.config.Secret;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ActitoLicencesTest {

  private static final String HOST = "http://127.0.0.1:1";

  private static ActitoClientSettings settings(String id, String baseUrl, String key, int concurrency, int perMinute) {
    return ActitoClientSettings.from(id, new ActitoConfig(HOST, Secret.of(key), id + "-entity", "Customers",
        "customerId", false, concurrency, perMinute, 2_000)).withBaseUrl(baseUrl);
  }

  @Test
  void integrationsOnOneKeyAndHostShareOneLicencePacedToTheLowestLimits(Vertx vertx) {
    var licences = new ActitoLicences(vertx, List.of(
        settings("acme", HOST, "key-1", 5, 100),
        settings("globex", HOST, "key-1", 3, 120),
        settings("initech", HOST, "key-2", 5, 100)), new SimpleMeterRegistry(), Clock.systemUTC());
    try {
      ActitoLicence shared = licences.licenceOf("acme");

      assertThat(licences.licences()).hasSize(2);
      assertThat(licences.licenceOf("globex")).isSameAs(shared);
      assertThat(licences.client("globex").gate()).isSameAs(licences.client("acme").gate());
      assertThat(licences.client("initech").gate()).isNotSameAs(shared.guard().gate());
      assertThat(shared.settings().maxConcurrency()).isEqualTo(3);
      assertThat(shared.settings().callsPerMinute()).isEqualTo(100);
      assertThat(shared.licence().integrations()).containsExactly("acme", "globex");
      assertThat(shared.licence().toJson().getString("keyFingerprint")).isEqualTo(Secret.of("key-1").fingerprint())
          .hasSize(8);
      assertThat(shared.licence().toJson().encode()).doesNotContain("key-1");
      // each integration still calls its own entity and table
      assertThat(licences.client("globex").settings().entity()).isEqualTo("globex-entity");
    } finally {
      licences.close();
    }
  }

  @Test
  void theSameKeyOnAnotherHostIsAnotherLicence(Vertx vertx) {
    var licences = new ActitoLicences(vertx, List.of(
        settings("acme", HOST, "key-1", 5, 100),
        settings("globex", "http://127.0.0.1:2", "key-1", 5, 100)), new SimpleMeterRegistry(), Clock.systemUTC());
    try {
      assertThat(licences.licenceOf("acme")).isNotSameAs(licences.licenceOf("globex"));
      assertThat(licences.licenceOf("acme").licence().id().scope())
          .isNotEqualTo(licences.licenceOf("globex").licence().id().scope());
    } finally {
      licences.close();
    }
  }
}
