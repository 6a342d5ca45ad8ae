package io.consentgateway.architecture.planted.alpha;

import io.consentgateway.architecture.planted.beta.CallsBack;
import io.consentgateway.architecture.planted.sandbox.FakeActito;

/** Planted: production code outside app that starts a sandbox, and one end of a package cycle. */
public final class UsesTheSandbox {
  public FakeActito start(CallsBack back) {
    return new FakeActito();
  }
}
