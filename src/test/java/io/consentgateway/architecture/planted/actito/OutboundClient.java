package io.consentgateway.architecture.planted.actito;

/** Planted: stands for the outbound Actito client. */
public final class OutboundClient {
  public void update() {}
}
