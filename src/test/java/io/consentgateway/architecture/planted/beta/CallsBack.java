package io.consentgateway.architecture.planted.beta;

import io.consentgateway.architecture.planted.alpha.UsesTheSandbox;

/** Planted: the other end of the cycle alpha → beta → alpha. */
public final class CallsBack {
  public UsesTheSandbox back() {
    return null;
  }
}
