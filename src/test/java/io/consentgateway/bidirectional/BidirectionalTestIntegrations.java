package io.consentgateway.bidirectional;

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
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The example integration of conf/gateway.yaml with the bidirectional flow on, and known states. */
final class BidirectionalTestIntegrations {

  static final List<SubscriptionMapping> MAPPINGS = List.of(
      new SubscriptionMapping("Newsletter", "newsletter", null, null),
      new SubscriptionMapping("SmsOffers", "marketing", "channels", "sms"),
      new SubscriptionMapping("EmailOffers", "marketing", "channels", "email"),
      new SubscriptionMapping("PostOffers", "marketing", "channels", "post"),
      new SubscriptionMapping("Analytics", "analytics", null, null));

  private BidirectionalTestIntegrations() {}

  static IntegrationConfig acme(String didomiBaseUrl) {
    return acme(didomiBaseUrl, MAPPINGS);
  }

  static IntegrationConfig acme(String didomiBaseUrl, List<SubscriptionMapping> mappings) {
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
  static ConsentState known(String user, Map<String, Boolean> subscriptions) {
    String fields = subscriptions.entrySet().stream()
        .map(e -> "\"" + e.getKey() + "\":[" + e.getValue() + ",1000,1]")
        .collect(Collectors.joining(","));
    String json = "{\"v\":1,\"user\":\"" + user + "\",\"newest\":1000,\"subscriptions\":{" + fields + "},\"attributes\":{}}";
    return ConsentState.decode(json.getBytes(StandardCharsets.UTF_8));
  }
}
