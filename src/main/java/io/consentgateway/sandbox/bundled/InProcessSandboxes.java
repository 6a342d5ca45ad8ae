package io.consentgateway.sandbox.bundled;

import io.consentgateway.app.BundledSandboxes;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.IntegrationConfig.BidirectionalConfig;
import io.consentgateway.sandbox.actito.ActitoSandbox;
import io.consentgateway.sandbox.actito.SandboxOptions;
import io.consentgateway.sandbox.actito.WebhookSubscription;
import io.consentgateway.sandbox.didomi.DidomiSandbox;
import io.consentgateway.sandbox.didomi.DidomiSandboxOptions;
import io.consentgateway.sandbox.didomi.DidomiWebhookTarget;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;

/**
 * The gateway's {@link BundledSandboxes}: the Actito and Didomi sandboxes, started in the
 * gateway's own Vert.x for an integration whose {@code baseUrl} is {@code sandbox}. Registered in
 * {@code META-INF/services/io.consentgateway.app.BundledSandboxes}.
 */
public final class InProcessSandboxes implements BundledSandboxes {

  @Override
  public Future<BundledSandboxes.RunningActito> startActito(Vertx vertx, IntegrationConfig integration, int port) {
    return ActitoSandbox.start(vertx, SandboxOptions.forIntegration(integration).setPort(port)).map(Actito::new);
  }

  @Override
  public Future<BundledSandboxes.RunningDidomi> startDidomi(Vertx vertx, IntegrationConfig integration, int port) {
    BidirectionalConfig bidirectional = integration.bidirectional();
    DidomiSandboxOptions options = new DidomiSandboxOptions()
        .setPort(port)
        .setOrganizationId(integration.didomi().organizationId());
    if (!bidirectional.didomiApiKey().isEmpty()) {
      options.setApiKey(bidirectional.didomiApiKey().reveal()).setApiSecret(bidirectional.didomiApiSecret().reveal());
    }
    return DidomiSandbox.start(vertx, options).map(Didomi::new);
  }

  private record Actito(ActitoSandbox sandbox) implements BundledSandboxes.RunningActito {
    @Override
    public String baseUrl() {
      return sandbox.baseUrl();
    }

    @Override
    public Future<Void> stop() {
      return sandbox.stop();
    }

    @Override
    public <T> T unwrap(Class<T> type) {
      return type.isInstance(sandbox) ? type.cast(sandbox) : null;
    }

    @Override
    public void sendWebhooksTo(String url, Map<String, String> headers) {
      sandbox.addWebhookSubscription(WebhookSubscription.updatedSubscription(url, headers));
    }
  }

  private record Didomi(DidomiSandbox sandbox) implements BundledSandboxes.RunningDidomi {
    @Override
    public String baseUrl() {
      return sandbox.baseUrl();
    }

    @Override
    public Future<Void> stop() {
      return sandbox.stop();
    }

    @Override
    public <T> T unwrap(Class<T> type) {
      return type.isInstance(sandbox) ? type.cast(sandbox) : null;
    }

    @Override
    public void sendWebhooksTo(String url, String tokenUrl, String clientId, String clientSecret) {
      sandbox.emitWebhooksTo(new DidomiWebhookTarget(url, tokenUrl, clientId, clientSecret));
    }
  }
}
