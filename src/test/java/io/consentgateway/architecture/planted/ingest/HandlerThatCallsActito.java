package io.consentgateway.architecture.planted.ingest;

import io.consentgateway.architecture.planted.actito.OutboundClient;

/** Planted: a webhook handler that calls Actito before acknowledging. */
public final class HandlerThatCallsActito {
  public void handle(OutboundClient actito) {
    actito.update();
  }
}
