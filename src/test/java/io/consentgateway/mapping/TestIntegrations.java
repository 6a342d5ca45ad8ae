package io.consentgateway.mapping;

import io.consentgateway.config.ActitoConfig;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.IntegrationConfig.BidirectionalConfig;
import io.consentgateway.config.IntegrationConfig.DidomiConfig;
import io.consentgateway.config.IntegrationConfig.DispatchConfig;
import io.consentgateway.config.IntegrationConfig.OnUserDeleted;
import io.consentgateway.config.MetadataAttributes;
import io.consentgateway.config.Secret;
import io.consentgateway.config.SubscriptionMapping;
import java.util.List;

/** The example integration of conf/gateway.yaml, with knobs for the rules under test. */
final class TestIntegrations {

  static final List<SubscriptionMapping> MAPPINGS = List.of(
      new SubscriptionMapping("Newsletter", "newsletter", null, null),
      new SubscriptionMapping("SmsOffers", "marketing", "channels", "sms"),
      new SubscriptionMapping("EmailOffers", "marketing", "channels", "email"),
      new SubscriptionMapping("PostOffers", "marketing", "channels", "post"),
      new SubscriptionMapping("Analytics", "analytics", null, null));

  private TestIntegrations() {}

  static IntegrationConfig acme() {
    return acme("gdpr", MetadataAttributes.ALL, OnUserDeleted.IGNORE);
  }

  static IntegrationConfig acme(String regulation, MetadataAttributes metadata, OnUserDeleted onUserDeleted) {
    return acme(regulation, metadata, onUserDeleted, MAPPINGS);
  }

  static IntegrationConfig acme(
      String regulation, MetadataAttributes metadata, OnUserDeleted onUserDeleted, List<SubscriptionMapping> mappings) {
    return new IntegrationConfig(
        "acme",
        new DidomiConfig("acme-org", regulation),
        new ActitoConfig(ActitoConfig.SANDBOX, Secret.empty(), "acme", "Customers", "customerId", false, 5, 100, 10_000),
        mappings,
        metadata,
        onUserDeleted,
        new DispatchConfig(25, 86_400, 1_000, 3_600_000, 64),
        new BidirectionalConfig(false, "X-Authorization", Secret.empty(), "https://api.didomi.io", Secret.empty(), Secret.empty()));
  }
}
