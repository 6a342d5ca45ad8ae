package io.consentgateway.store;

/**
 * A claim's lease, handed out by the store with each claimed user or write-back and handed back
 * with its outcome. Opaque to the dispatcher: only the store that issued it reads {@link #token()}.
 * A store fences with it: an outcome recorded under a lease that is no longer the current one (the
 * user was erased or released meanwhile, or the lease expired and another claim — on this node or
 * another — took the user) records nothing, so a slow call can never overwrite what a later claim
 * did.
 */
public record Lease(long token) {

  public Lease {
    if (token <= 0) {
      throw new IllegalArgumentException("a lease token is positive");
    }
  }
}
