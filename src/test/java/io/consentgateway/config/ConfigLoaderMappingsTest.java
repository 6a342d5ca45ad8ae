package io.consentgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Start-up validation of {@code mappings} (docs/configuration.md): a bad entry stops start-up naming the entry. */
class ConfigLoaderMappingsTest {

  private final ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get);

  private static String withMappings(String mappingsYaml) {
    return """
        server: { host: 127.0.0.1 }
        auth:
          clients: [ { clientId: didomi, clientSecret: s3cr3t } ]
        integrations:
          - id: acme
            didomi: { organizationId: acme-org }
            actito: { baseUrl: sandbox, entity: acme, table: Customers, userUniqueKey: customerId }
            mappings:
        """ + mappingsYaml.indent(6);
  }

  private ConfigException rejection(String mappingsYaml) {
    return catchThrowableOfType(ConfigException.class, () -> loader.parse(withMappings(mappingsYaml)));
  }

  @Test
  void bothMappingFormsAreRead() {
    GatewayConfig config = loader.parse(withMappings("""
        - { subscription: Newsletter, purpose: newsletter }
        - { subscription: SmsOffers, purpose: marketing, preference: channels, value: sms }
        - { id: Partners, value: consents_purposes_partners_enabled }
        """));

    assertThat(config.integrations().get(0).mappings()).containsExactly(
        new SubscriptionMapping("Newsletter", "newsletter", null, null),
        new SubscriptionMapping("SmsOffers", "marketing", "channels", "sms"),
        new SubscriptionMapping("Partners", "partners", null, null));
  }

  @Test
  void didomiConnectorFormKeepsPurposeIdsThatContainUnderscores() {
    GatewayConfig config = loader.parse(withMappings("- { id: Offers, value: consents_purposes_special_offers_enabled }"));

    assertThat(config.integrations().get(0).mappings().get(0).purpose()).isEqualTo("special_offers");
  }

  @Test
  void duplicateSubscriptionIsRejectedNamingTheSecondEntry() {
    ConfigException e = rejection("""
        - { subscription: Newsletter, purpose: newsletter }
        - { id: Newsletter, value: consents_purposes_news_enabled }
        """);

    assertThat(e.key()).isEqualTo("integrations[0].mappings[1]");
    assertThat(e).hasMessageContaining("duplicate subscription 'Newsletter'");
  }

  @Test
  void emptySubscriptionIsRejected() {
    ConfigException e = rejection("- { subscription: '  ', purpose: newsletter }");

    assertThat(e.key()).isEqualTo("integrations[0].mappings[0].subscription");
    assertThat(e).hasMessageContaining("required");
  }

  @Test
  void missingPurposeIsRejected() {
    ConfigException e = rejection("- { subscription: Newsletter }");

    assertThat(e.key()).isEqualTo("integrations[0].mappings[0].purpose");
  }

  @Test
  void emptyConnectorIdIsRejected() {
    ConfigException e = rejection("- { id: '', value: consents_purposes_newsletter_enabled }");

    assertThat(e.key()).isEqualTo("integrations[0].mappings[0].id");
  }

  @Test
  void preferenceWithoutValueIsRejected() {
    ConfigException e = rejection("- { subscription: SmsOffers, purpose: marketing, preference: channels }");

    assertThat(e.key()).isEqualTo("integrations[0].mappings[0].value");
    assertThat(e).hasMessageContaining("required when a preference is given");
  }

  @Test
  void valueWithoutPreferenceIsRejected() {
    ConfigException e = rejection("- { subscription: SmsOffers, purpose: marketing, value: sms }");

    assertThat(e.key()).isEqualTo("integrations[0].mappings[0].preference");
  }

  @Test
  void valueListingSeveralIdsIsRejected() {
    ConfigException e = rejection("- { subscription: Offers, purpose: marketing, preference: channels, value: 'sms,email' }");

    assertThat(e.key()).isEqualTo("integrations[0].mappings[0].value");
  }

  @Test
  void connectorValueOfAnotherShapeIsRejected() {
    for (String bad : new String[] {"newsletter", "consents_purposes_newsletter", "consents_purposes__enabled",
        "consents_vendors_google_enabled", "consents_purposes_ _enabled"}) {
      ConfigException e = rejection("- { id: Newsletter, value: '" + bad + "' }");
      assertThat(e).as(bad).isNotNull();
      assertThat(e.key()).as(bad).isEqualTo("integrations[0].mappings[0].value");
      assertThat(e).as(bad).hasMessageContaining("consents_purposes_<purposeId>_enabled");
    }
  }

  @Test
  void connectorFormWithoutValueIsRejected() {
    ConfigException e = rejection("- { id: Newsletter }");

    assertThat(e.key()).isEqualTo("integrations[0].mappings[0].value");
  }

  @Test
  void mixingTheTwoFormsInOneEntryIsRejected() {
    ConfigException e = rejection("- { id: Newsletter, value: consents_purposes_newsletter_enabled, purpose: newsletter }");

    assertThat(e.key()).isEqualTo("integrations[0].mappings[0].purpose");
    assertThat(e).hasMessageContaining("unknown key");
  }

  @Test
  void unknownKeyInAMappingIsRejected() {
    ConfigException e = rejection("- { subscription: Newsletter, purpose: newsletter, prefrence: channels }");

    assertThat(e.key()).isEqualTo("integrations[0].mappings[0].prefrence");
  }

  @Test
  void mappingThatIsNotAMappingIsRejected() {
    ConfigException e = rejection("- Newsletter");

    assertThat(e.key()).isEqualTo("integrations[0].mappings[0]");
  }

  @Test
  void metadataAttributesAndOnUserDeletedAreRead() {
    GatewayConfig config = loader.parse(withMappings("- { subscription: Newsletter, purpose: newsletter }")
        + "    metadataAttributes: [language, loyalty_tier]\n    onUserDeleted: unsubscribeAll\n");

    IntegrationConfig integration = config.integrations().get(0);
    assertThat(integration.metadataAttributes().includes("language")).isTrue();
    assertThat(integration.metadataAttributes().includes("first_name")).isFalse();
    assertThat(integration.onUserDeleted()).isEqualTo(IntegrationConfig.OnUserDeleted.UNSUBSCRIBEALL);
    assertThat(integration.didomi().regulation()).isEqualTo("gdpr");
  }

  @Test
  void metadataAttributesOfAnotherShapeIsRejected() {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> loader.parse(
        withMappings("- { subscription: Newsletter, purpose: newsletter }") + "    metadataAttributes: some\n"));

    assertThat(e.key()).isEqualTo("integrations[0].metadataAttributes");
  }
}
