package io.consentgateway.app;

import io.consentgateway.config.IntegrationConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The seam to the bundled Actito and Didomi sandboxes, which a configuration asks for with {@code
 * baseUrl: sandbox} (quick start: no real Actito configured, the Actito sandbox on 8089). The
 * sandboxes implement it (sandbox.bundled.InProcessSandboxes, registered in {@code
 * META-INF/services}) and are found with {@link ServiceLoader}, so no gateway class compiles
 * against them; without them on the class path a sandbox configuration fails to start.
 */
public interface BundledSandboxes {

  /** Starts the Actito sandbox serving {@code integration}'s table on {@code port} (0: any free one). */
  Future<RunningActito> startActito(Vertx vertx, IntegrationConfig integration, int port);

  /**
   * Starts the Didomi sandbox of {@code integration}'s organisation on {@code port}, accepting the
   * integration's Didomi API key and secret (the sandbox's defaults when it has none).
   */
  Future<RunningDidomi> startDidomi(Vertx vertx, IntegrationConfig integration, int port);

  /** A started sandbox. */
  interface Running {
    /** What a client uses as the service's base URL, e.g. {@code http://127.0.0.1:8089}. */
    String baseUrl();

    Future<Void> stop();

    /** The sandbox itself (for tests that drive it), when it is a {@code type}; else null. */
    <T> T unwrap(Class<T> type);
  }

  /** A started Actito sandbox. */
  interface RunningActito extends Running {
    /** From now on, every subscription change is also POSTed to {@code url} with {@code headers}. */
    void sendWebhooksTo(String url, Map<String, String> headers);
  }

  /** A started Didomi sandbox. */
  interface RunningDidomi extends Running {
    /** From now on, consent changes are POSTed to {@code url}, with a token from {@code tokenUrl}. */
    void sendWebhooksTo(String url, String tokenUrl, String clientId, String clientSecret);
  }

  /** The sandboxes on the class path, or one that refuses to start any when there are none. */
  static BundledSandboxes load() {
    return ServiceLoader.load(BundledSandboxes.class, BundledSandboxes.class.getClassLoader()).findFirst()
        .orElseGet(() -> new BundledSandboxes() {
          @Override
          public Future<RunningActito> startActito(Vertx vertx, IntegrationConfig integration, int port) {
            return missing();
          }

          @Override
          public Future<RunningDidomi> startDidomi(Vertx vertx, IntegrationConfig integration, int port) {
            return missing();
          }

          private <T> Future<T> missing() {
            return Future.failedFuture(new IllegalStateException(
                "baseUrl 'sandbox' needs the bundled sandboxes, which are not on the class path"));
          }
        });
  }
}
