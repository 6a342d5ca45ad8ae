package io.consentgateway.store;

/** Figures of one integration's queue, for the status endpoint and gauges. */
public record IntegrationBacklog(
    long dirtyUsers, Long oldestDirtySinceMillis, long deadLetters, boolean paused, Long lastSuccessMillis) {}
