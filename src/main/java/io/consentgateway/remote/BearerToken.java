package io.consentgateway.remote;

import io.vertx.core.Future;

/** An access token a remote takes as {@code Authorization: Bearer …}, replaceable when the remote refuses it. */
public interface BearerToken {

  /** A token valid for a while yet. */
  Future<String> current();

  /** A token other than {@code rejected}, which the remote has just refused. */
  Future<String> refreshAfterRejection(String rejected);

  /**
   * The cached token when it is valid for a while yet, without fetching one; null otherwise. A call
   * asks this when it leaves the pacing gate, so that a token never waits in the gate and expires
   * there.
   */
  String cachedValid();
}
