package io.consentgateway.store;

/** What {@link ConsentStore#ingest} did with a webhook. */
public enum IngestOutcome {
  /** Stored for the first time and committed. */
  ACCEPTED,
  /** Already stored by an earlier delivery; nothing changed. */
  DUPLICATE,
  /** Stored for audit, but it only reports what the gateway itself wrote: nothing to propagate. */
  ECHO
}
