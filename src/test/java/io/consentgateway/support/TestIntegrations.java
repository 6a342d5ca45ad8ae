package io.consentgateway.support;

import io.consentgateway.config.ActitoConfig;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.IntegrationConfig.BidirectionalConfig;
import io.consentgateway.config.IntegrationConfig.DidomiConfig;
import io.consentgateway.config.IntegrationConfig.DispatchConfig;
import io.consentgateway.config.IntegrationConfig.OnUserDeleted;
import io.consentgateway.config.MetadataAttributes;
import io.consentgateway.config.Secret;
import io.consentgateway.config.SubscriptionMapping;
import io.consentgateway.mapping.ConsentState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The example integration of conf/gateway.yaml, with knobs for the rules under test; {@link
 * #bidirectional} with the bidirectional flow on; {@link #known} a merged state as the store holds it.
 */
public final class TestIntegrations {

  public static final List<SubscriptionMapping> MAPPINGS = List.of(
      new SubscriptionMapping("Newsletter", "newsletter", null, null),
      new SubscriptionMapping("SmsOffers", "marketing", "channels", "sms"),
      new SubscriptionMapping("EmailOffers", "marketing", "channels", "email"),
      new SubscriptionMapping("PostOffers", "marketing", "channels", "post"),
      new SubscriptionMapping("Analytics", "analytics", null, null));

  private TestIntegrations() {}

  public static IntegrationConfig acme() {
    return acme("gdpr", MetadataAttributes.ALL, OnUserDeleted.IGNORE);
  }

  public static IntegrationConfig acme(String regulation, MetadataAttributes metadata, OnUserDeleted onUserDeleted) {
    return acme(regulation, metadata, onUserDeleted, MAPPINGS);
  }

  public static IntegrationConfig acme(
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

  /** acme with the bidirectional flow on, writing back to {@code didomiBaseUrl}. */
  public static IntegrationConfig bidirectional(String didomiBaseUrl) {
    return bidirectional(didomiBaseUrl, MAPPINGS);
  }

  public static IntegrationConfig bidirectional(String didomiBaseUrl, List<SubscriptionMapping> mappings) {
    return new IntegrationConfig(
        "acme",
        new DidomiConfig("acme-org", "gdpr"),
        new ActitoConfig(ActitoConfig.SANDBOX, Secret.empty(), "acme", "Customers", "customerId", false, 5, 100, 10_000),
        mappings,
        MetadataAttributes.ALL,
        OnUserDeleted.IGNORE,
        new DispatchConfig(25, 86_400, 1_000, 3_600_000, 64),
        new BidirectionalConfig(true, "X-Authorization", Secret.of("actito-hook-secret"), didomiBaseUrl,
            Secret.of("didomi-key"), Secret.of("didomi-secret")));
  }

  /** A merged state holding {@code subscriptions} for {@code user}, as the store would. */
  public static ConsentState known(String user, Map<String, Boolean> subscriptions) {
    var fields = new LinkedHashMap<String, ConsentState.Subscription>();
    subscriptions.forEach((field, on) -> fields.put(field, new ConsentState.Subscription(on, 1000, 1, false)));
    return ConsentState.restore(user, 1000, fields, Map.of());
  }
}
