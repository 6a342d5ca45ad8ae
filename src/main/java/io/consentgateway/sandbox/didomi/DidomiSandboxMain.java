package io.consentgateway.sandbox.didomi;

import io.consentgateway.sandbox.SandboxCommandLine;
import java.time.Duration;

/**
 * Runs the Didomi sandbox on its own:
 * {@code java -cp target/consent-gateway.jar io.consentgateway.sandbox.didomi.DidomiSandboxMain
 * --port 8090 --organization acme-org --api-key sandbox-didomi-key --api-secret sandbox-didomi-secret
 * --webhook-url http://127.0.0.1:8080/webhooks/didomi/acme --token-url http://127.0.0.1:8080/oauth/token
 * --client-id didomi --client-secret "$DIDOMI_CLIENT_SECRET"}. Every flag is optional; without
 * {@code --webhook-url} it emits no webhooks (set a target later with {@code PUT /_sandbox/webhook}).
 * It prints its base URL and serves until killed.
 */
public final class DidomiSandboxMain {

  private DidomiSandboxMain() {}

  public static void main(String[] args) {
    SandboxCommandLine.run("didomi sandbox",
        "--host H --port P --organization ORG --api-key K --api-secret S"
            + " --token-lifetime-seconds N --webhook-url URL --token-url URL --client-id ID --client-secret S"
            + " --webhook-attempts N --webhook-retry-ms N",
        args, DidomiSandboxMain::parse, DidomiSandbox::start,
        (sandbox, options) -> "Didomi sandbox ready at " + sandbox.baseUrl() + " (organization "
            + options.organizationId() + ", webhooks to "
            + (options.webhookTarget() == null ? "nowhere" : options.webhookTarget().targetUrl()) + ")");
  }

  static DidomiSandboxOptions parse(String[] args) {
    var options = new DidomiSandboxOptions().setPort(8090);
    String webhookUrl = null;
    String tokenUrl = null;
    String clientId = "didomi";
    String clientSecret = "";
    var flags = new SandboxCommandLine(args);
    while (flags.next()) {
      String value = flags.value();
      switch (flags.flag()) {
        case "--host" -> options.setHost(value);
        case "--port" -> options.setPort(Integer.parseInt(value));
        case "--organization" -> options.setOrganizationId(value);
        case "--api-key" -> options.setApiKey(value);
        case "--api-secret" -> options.setApiSecret(value);
        case "--token-lifetime-seconds" -> options.setTokenLifetime(Duration.ofSeconds(Long.parseLong(value)));
        case "--webhook-url" -> webhookUrl = value;
        case "--token-url" -> tokenUrl = value;
        case "--client-id" -> clientId = value;
        case "--client-secret" -> clientSecret = value;
        case "--webhook-attempts" -> options.setWebhookMaxAttempts(Integer.parseInt(value));
        case "--webhook-retry-ms" -> options.setWebhookRetryDelay(Duration.ofMillis(Long.parseLong(value)));
        default -> throw flags.unknownFlag();
      }
    }
    if (webhookUrl != null) {
      if (tokenUrl == null) {
        throw new IllegalArgumentException("--webhook-url needs --token-url (the gateway's /oauth/token)");
      }
      options.setWebhookTarget(new DidomiWebhookTarget(webhookUrl, tokenUrl, clientId, clientSecret));
    }
    return options;
  }
}
