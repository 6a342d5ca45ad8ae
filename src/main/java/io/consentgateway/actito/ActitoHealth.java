package io.consentgateway.actito;

import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.json.JsonObject;

/**
 * The state of one Actito client, for {@code /health/ready} and the operator: {@code UP};
 * {@code DEGRADED} while the breaker is open or half-open, or the licence is paused after a 429
 * (changes wait, nothing is lost);
 * {@code AUTH_FAILED} while Actito refuses the API key (dispatch of this integration is paused until
 * the key is fixed); {@code API_VERSION_GONE} while Actito answers {@code 410 Gone} to the profile
 * API version configured ({@code actito.apiVersion}): changes wait, none is dead-lettered, until the
 * operator switches the version. Never carries a secret.
 */
public record ActitoHealth(
    String integrationId,
    Status status,
    CircuitBreakerState breaker,
    String problem,
    int inFlight,
    int queued,
    long tokenRefreshes) {

  public enum Status {
    UP,
    DEGRADED,
    AUTH_FAILED,
    API_VERSION_GONE
  }

  public boolean healthy() {
    return status == Status.UP;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("integration", integrationId)
        .put("status", status.name())
        .put("breaker", breaker.name())
        .put("problem", problem)
        .put("inFlight", inFlight)
        .put("queued", queued)
        .put("tokenRefreshes", tokenRefreshes);
  }
}
