package io.consentgateway.architecture.planted.mapping;

/** Planted: a merge rule that reaches for Vert.x. */
public final class MergeOnTheEventLoop {
  public io.vertx.core.Future<Void> merge() {
    return io.vertx.core.Future.succeededFuture();
  }
}
