package io.consentgateway.architecture.planted.store;

import io.consentgateway.architecture.planted.admin.OperatorRoutes;

/** Planted: a store that knows the admin port. */
public final class StoreThatAnswersHttp {
  public OperatorRoutes routes() {
    return new OperatorRoutes();
  }
}
