package io.consentgateway.store;

/** What {@link ConsentStore#ingest} did with a webhook. */
public enum IngestOutcome {
  /** Stored for the first time and committed. */
  ACCEPTED,
  /** Already stored by an earlier delivery; nothing changed. */
  DUPLICATE
}
